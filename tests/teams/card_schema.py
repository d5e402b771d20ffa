"""Adaptive Card 1.5 schema with its documented defects corrected in memory (see SOURCES.md)."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA_FILE = Path(__file__).resolve().parent / "schema" / "adaptive-card-1.5.0.json"
TEAMS_EXTENSION_KEYS = ("msteams",)


def _fix_case_insensitive_enums(node: Any) -> int:
    """Defect 1: `anyOf[{enum}, {pattern}]` with an ungrouped alternation and no type."""
    fixed = 0
    if isinstance(node, dict):
        options = node.get("anyOf")
        if isinstance(options, list) and len(options) == 2:
            enums = [o for o in options if isinstance(o, dict) and "enum" in o]
            patterns = [o for o in options if isinstance(o, dict) and "pattern" in o]
            if len(enums) == 1 and len(patterns) == 1:
                words = enums[0]["enum"]
                patterns[0].clear()
                patterns[0]["type"] = "string"
                patterns[0]["pattern"] = "^(?i:(?:" + "|".join(words) + "))$"
                fixed += 1
        for value in node.values():
            fixed += _fix_case_insensitive_enums(value)
    elif isinstance(node, list):
        for value in node:
            fixed += _fix_case_insensitive_enums(value)
    return fixed


@cache
def corrected_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    schema = copy.deepcopy(schema)
    definitions = schema["definitions"]
    # Defect 2: ChoiceInputStyle lacks "filtered" (a 1.5 feature).
    definitions["ChoiceInputStyle"]["anyOf"][0]["enum"].append("filtered")
    fixed = _fix_case_insensitive_enums(schema)
    assert fixed == 20, f"expected the 20 documented enum/pattern pairs, fixed {fixed}"
    # Defect 3: renderers read Table.firstRowAsHeaders (plural).
    table = definitions["Table"]["properties"]
    table["firstRowAsHeaders"] = copy.deepcopy(table["firstRowAsHeader"])
    jsonschema.Draft6Validator.check_schema(schema)
    return schema


def strip_teams_extensions(card: Any) -> Any:
    """The card without Teams host extensions, which the strict schema does not know."""
    if isinstance(card, dict):
        return {
            k: strip_teams_extensions(v) for k, v in card.items() if k not in TEAMS_EXTENSION_KEYS
        }
    if isinstance(card, list):
        return [strip_teams_extensions(v) for v in card]
    return card


def validate_card(card: dict[str, Any]) -> None:
    """Raise jsonschema.ValidationError unless `card` is a valid Adaptive Card 1.5."""
    validator = jsonschema.Draft6Validator(corrected_schema())
    errors = sorted(validator.iter_errors(strip_teams_extensions(card)), key=str)
    if errors:
        raise jsonschema.ValidationError("; ".join(e.message[:300] for e in errors[:5]))
