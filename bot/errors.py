"""User-facing errors: a catalogue key, values, an optional example and the form field at fault."""

from __future__ import annotations


class UserError(Exception):
    """Bad input from a person. Nothing is changed; the core answers a localised message."""

    def __init__(self, key: str, *, example: str = "", field: str = "", **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.example = example
        self.field = field
        self.values = values
