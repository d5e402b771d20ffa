"""Neutral forms (modals in Slack, Adaptive Card inputs in Teams, prompts in the console)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TextInput:
    name: str
    label: str
    multiline: bool = False
    required: bool = True
    placeholder: str = ""
    max_length: int = 3000


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class ChoiceInput:
    name: str
    label: str
    choices: tuple[Choice, ...]
    required: bool = True
    initial: str = ""


@dataclass(frozen=True, slots=True)
class Checkbox:
    name: str
    label: str


FormInput = TextInput | ChoiceInput | Checkbox


@dataclass(frozen=True, slots=True)
class Form:
    """A form to fill; submitting it sends an `Interaction` whose action is `submit_action`
    and whose `form` maps each input name to its value ("true"/"" for checkboxes)."""

    title: str
    submit_label: str
    submit_action: str
    inputs: tuple[FormInput, ...]
    intro: str = ""
