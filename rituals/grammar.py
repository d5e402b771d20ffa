"""The schedule grammar people type, in French or English: "lundi 09:00", "first tuesday 10:00"…"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import time

from bot.commands.admin import valid_timezone
from bot.errors import UserError
from rituals.schedule import LAST, Frequency, Schedule

EXAMPLE = "ritual.ex.schedule"

WEEKDAY_WORDS: dict[str, int] = {}
for _day, _names in enumerate(
    (
        "lundi lun monday mon",
        "mardi mar tuesday tue tues",
        "mercredi mer wednesday wed",
        "jeudi jeu thursday thu thur thurs",
        "vendredi ven friday fri",
        "samedi sam saturday sat",
        "dimanche dim sunday sun",
    )
):
    for _word in _names.split():
        WEEKDAY_WORDS[_word] = _day
        if len(_word) > 4:
            WEEKDAY_WORDS[_word + "s"] = _day  # "tous les lundis", "on mondays"

ORDINAL_WORDS: dict[str, int] = {
    "1er": 1,
    "1re": 1,
    "1ere": 1,
    "premier": 1,
    "premiere": 1,
    "first": 1,
    "1st": 1,
    "2e": 2,
    "2eme": 2,
    "2nd": 2,
    "deuxieme": 2,
    "second": 2,
    "3e": 3,
    "3eme": 3,
    "3rd": 3,
    "troisieme": 3,
    "third": 3,
    "4e": 4,
    "4eme": 4,
    "4th": 4,
    "quatrieme": 4,
    "fourth": 4,
    "dernier": LAST,
    "derniere": LAST,
    "last": LAST,
}
WORKDAY_WORDS = frozenset({"ouvres", "ouvrables", "weekdays", "workdays", "semaine"})
DAILY_WORDS = frozenset({"jour", "jours", "day", "days", "daily", "everyday", "quotidien"})
HOURLY_WORDS = frozenset({"heure", "heures", "hour", "hours", "hourly"})
MONTH_WORDS = frozenset({"mois", "month", "monthly", "mensuel"})
TOO_OFTEN_WORDS = frozenset(
    {"minute", "minutes", "min", "mn", "secondes", "seconds", "sec", "demi-heure", "half", "quart"}
)
RANGE_WORDS = frozenset({"au", "to", "through", "thru", "-"})
FILLER_WORDS = frozenset(
    {
        "chaque",
        "tous",
        "toutes",
        "les",
        "le",
        "la",
        "l",
        "du",
        "de",
        "des",
        "d",
        "a",
        "at",
        "every",
        "each",
        "on",
        "the",
        "of",
        "et",
        "and",
        "en",
        "in",
        "vers",
    }
)

_TIME = re.compile(r"^(?P<hour>\d{1,2})(?:(?::|h)(?P<minute>\d{2})?)?(?P<half>am|pm)?$")
_MINUTE = re.compile(r"^:(?P<minute>\d{1,2})$")
_NUMBER = re.compile(r"^\d+$")


@dataclass(frozen=True, slots=True)
class ParsedSchedule:
    schedule: Schedule
    timezone: str | None = None


def parse_schedule(text: str) -> ParsedSchedule:
    """Read a schedule typed in French or English; `UserError` with an example when unclear.

    Accepted: "chaque jour 08:30", "every day 8:30am", "lundi 9h", "monday 9:00",
    "lundi et jeudi 9h", "du lundi au vendredi 8h30", "weekdays 8:30", "1er mardi du mois 10:00",
    "first tuesday 10:00", "dernier vendredi 16h", "chaque heure à :15", optionally followed by
    an IANA time zone ("lundi 9h Europe/Paris"). Refused with a reason: day numbers (ambiguous),
    cron expressions, anything more often than hourly, an unknown time zone.
    """
    raw = text.strip()
    if not raw:
        raise UserError("ritual.missing_days", example=EXAMPLE)
    if "*" in raw:
        raise UserError("ritual.no_cron", example=EXAMPLE)
    zone: str | None = None
    kept: list[str] = []
    for token in raw.split():
        if "/" in token or token.lower() in ("utc", "gmt"):
            zone = parse_timezone(token)
        else:
            kept.append(token)
    reader = _Reader()
    for word in _words(" ".join(kept)):
        reader.read(word)
    return ParsedSchedule(reader.schedule(raw), zone)


def parse_timezone(value: str) -> str:
    zone = valid_timezone(value.strip())
    if zone is None:
        raise UserError("ritual.bad_timezone", value=value, example="ritual.ex.timezone")
    return zone


def fold(text: str) -> str:
    """Lower case without accents: "Fériés" → "feries"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _words(text: str) -> list[str]:
    folded = fold(text).replace("’", "'").replace("'", " ")
    folded = re.sub(r"[,;]", " ", folded)
    folded = re.sub(r"(\d)\s+(am|pm)\b", r"\1\2", folded)
    folded = re.sub(r"\b(\d{1,2})\s*h\s*(\d{2})\b", r"\1h\2", folded)
    folded = re.sub(r"\b(\d{1,2})\s+h\b", r"\1h", folded)
    for phrase, word in (
        ("jours ouvres", "ouvres"),
        ("jours ouvrables", "ouvres"),
        ("en semaine", "semaine"),
        ("working days", "weekdays"),
        ("business days", "weekdays"),
        ("demi heure", "demi-heure"),
        ("half an hour", "half"),
    ):
        folded = folded.replace(phrase, word)
    words: list[str] = []
    for word in folded.split():
        left, dash, right = word.partition("-")
        if dash and left in WEEKDAY_WORDS and right in WEEKDAY_WORDS:
            words += [left, "-", right]
        else:
            words.append(word)
    return words


class _Reader:
    """Accumulates what each word says; `schedule` then checks the whole makes sense."""

    def __init__(self) -> None:
        self.at: time | None = None
        self.minute_only: int | None = None
        self.weekdays: set[int] = set()
        self.nth: int | None = None
        self.numbers: list[str] = []
        self.daily = self.hourly = self.monthly = self.too_often = False
        self.range_from: int | None = None
        self.last_day: int | None = None

    def read(self, word: str) -> None:
        if word in WEEKDAY_WORDS:
            self._day(WEEKDAY_WORDS[word])
        elif word in RANGE_WORDS and self.last_day is not None:
            self.range_from = self.last_day
        elif word in ORDINAL_WORDS:
            self.nth = ORDINAL_WORDS[word]
        elif word in WORKDAY_WORDS:
            self.weekdays |= set(range(5))
        elif word in DAILY_WORDS:
            self.daily = True
        elif word in HOURLY_WORDS:
            self.hourly = True
        elif word in MONTH_WORDS:
            self.monthly = True
        elif word in TOO_OFTEN_WORDS:
            self.too_often = True
        elif word in FILLER_WORDS:
            pass
        elif minute := _MINUTE.match(word):
            self.minute_only = _minute(word, int(minute["minute"]))
        elif _NUMBER.match(word):
            self.numbers.append(word)
        elif _TIME.match(word):
            self._time(word)
        else:
            raise UserError("ritual.unknown_word", word=word, example=EXAMPLE)

    def _day(self, day: int) -> None:
        if self.range_from is not None:
            start, self.range_from = self.range_from, None
            span = range(start, day + 1) if start <= day else [*range(start, 7), *range(day + 1)]
            self.weekdays |= set(span)
        self.weekdays.add(day)
        self.last_day = day

    def _time(self, word: str) -> None:
        if self.at is not None:
            raise UserError("ritual.one_time", example=EXAMPLE)
        match = _TIME.match(word)
        assert match is not None
        hour = int(match["hour"])
        minute = int(match["minute"] or 0)
        if match["half"]:
            if not 1 <= hour <= 12:
                raise UserError("ritual.bad_time", value=word, example=EXAMPLE)
            hour = hour % 12 + (12 if match["half"] == "pm" else 0)
        if hour > 23 or minute > 59:
            raise UserError("ritual.bad_time", value=word, example=EXAMPLE)
        self.at = time(hour, minute)

    def _numbers(self, raw: str) -> None:
        """Bare numbers: "1 mardi du mois" is an ordinal; a day number alone is ambiguous."""
        number = self.numbers[0]
        if self.monthly and self.nth is None and number in ("1", "2", "3", "4"):
            self.nth = int(self.numbers.pop(0))
            if not self.numbers:
                return
            number = self.numbers[0]
        if self.hourly or self.daily:
            if self.hourly and number == "1" and len(self.numbers) == 1:  # "every 1 hour"
                return
            raise UserError("ritual.bad_schedule", value=raw, example=EXAMPLE)
        if not self.weekdays and int(number) <= 7:
            raise UserError("ritual.numeric_weekday", value=number, example=EXAMPLE)
        if self.at is None:
            raise UserError("ritual.bad_time", value=number, example=EXAMPLE)
        raise UserError("ritual.unknown_word", word=number, example=EXAMPLE)

    def schedule(self, raw: str) -> Schedule:
        if self.too_often:
            raise UserError("ritual.too_often", example=EXAMPLE)
        if self.numbers:
            self._numbers(raw)
        if self.hourly:
            if self.weekdays or self.nth is not None or self.monthly:
                raise UserError("ritual.bad_schedule", value=raw, example=EXAMPLE)
            minute = self.minute_only if self.minute_only is not None else 0
            if self.at is not None:
                minute = self.at.minute
            return Schedule(Frequency.HOURLY, time(0, minute))
        if self.at is None:
            if self.minute_only is not None:
                raise UserError(
                    "ritual.bad_time", value=f":{self.minute_only:02d}", example=EXAMPLE
                )
            raise UserError("ritual.missing_time", example=EXAMPLE)
        if self.nth is not None or self.monthly:
            if self.nth is None or len(self.weekdays) != 1:
                raise UserError("ritual.monthly_one_day", example="ritual.ex.monthly")
            return Schedule(Frequency.MONTHLY, self.at, frozenset(self.weekdays), self.nth)
        if self.weekdays:
            return Schedule(Frequency.WEEKLY, self.at, frozenset(self.weekdays))
        if self.daily:
            return Schedule(Frequency.DAILY, self.at)
        raise UserError("ritual.missing_days", example=EXAMPLE)


def _minute(word: str, minute: int) -> int:
    if minute > 59:
        raise UserError("ritual.bad_time", value=word, example=EXAMPLE)
    return minute
