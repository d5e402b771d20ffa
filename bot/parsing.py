"""Parsing of what people type: words, numbers (38,5 / 38.5 / 12 %), dates and references."""

from __future__ import annotations

import re
import shlex
from datetime import date
from decimal import Decimal, InvalidOperation

from bot.errors import UserError

_NUMBER = re.compile(r"^([+-]?(?:\d+(?:[.,]\d+)?|[.,]\d+))\s*(%|[^\d\s,.+-][^\d\s]*)?$")
_REF = re.compile(r"^(?:#|qw[-_ ]?)?(\d{1,9})$", re.IGNORECASE)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_EU_DATE = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")
MAX_ABS_NUMBER = Decimal("1e12")


def split_first(text: str) -> tuple[str, str]:
    """The first word (lower-cased) and the rest of `text`, stripped."""
    stripped = text.strip()
    if not stripped:
        return "", ""
    parts = stripped.split(None, 1)
    return parts[0].lower(), parts[1].strip() if len(parts) > 1 else ""


def tokens(text: str) -> list[str]:
    """Words, honouring "double", « French » and 'single' quotes; never raises."""
    normalised = text.replace("«", '"').replace("»", '"').replace("“", '"').replace("”", '"')
    try:
        lexer = shlex.shlex(normalised, posix=True)
        lexer.whitespace_split = True
        lexer.quotes = '"'
        lexer.escape = ""
        words = list(lexer)
    except ValueError:  # unbalanced quote: fall back to plain words
        return normalised.replace('"', " ").split()
    return [word.strip() for word in words if word.strip()]


def parse_number(raw: str) -> tuple[Decimal, str]:
    """A decimal and the unit written after it: "38,5" → (38.5, ""), "12 %" → (12, "%")."""
    text = raw.strip().replace("\u00a0", " ").replace("\u202f", " ")
    match = _NUMBER.match(text)
    if not match:
        raise UserError("error.bad_number", value=raw, example="qw log 1 38,5")
    try:
        value = Decimal(match.group(1).replace(",", "."))
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only digits
        raise UserError("error.bad_number", value=raw) from exc
    if abs(value) >= MAX_ABS_NUMBER:
        raise UserError("error.bad_number", value=raw, example="qw log 1 38,5")
    return value, (match.group(2) or "")


def parse_date(raw: str) -> date:
    """2027-03-31, 31/03/2027 or 31.03.2027."""
    text = raw.strip()
    iso = _ISO_DATE.match(text)
    eu = _EU_DATE.match(text)
    try:
        if iso:
            return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        if eu:
            return date(int(eu.group(3)), int(eu.group(2)), int(eu.group(1)))
    except ValueError:
        pass
    raise UserError("error.bad_date", value=raw, example="2027-03-31")


def parse_ref(raw: str) -> int:
    """A quick-win number from "1", "#1", "QW-1" or "qw1"."""
    match = _REF.match(raw.strip())
    if not match:
        raise UserError("error.bad_ref", value=raw, example="qw voir QW-1")
    return int(match.group(1))


def count_words(text: str) -> int:
    """Words are whitespace-separated runs holding at least one letter or digit.

    "l'équipe" and "e-commerce" count as one word; "—", "€" or "!" alone count as none.
    """
    return sum(1 for word in text.split() if any(ch.isalnum() for ch in word))
