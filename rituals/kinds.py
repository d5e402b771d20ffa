"""Ritual kinds, the default set every new tenant gets, and the words people use for both."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from enum import StrEnum

from bot.model import Role
from rituals.schedule import Frequency, Schedule

TEAM_CHANNEL = ""
"""A channel target not chosen yet: `rituel canal #x` sets it (until then, directors get the post)."""


class RitualKind(StrEnum):
    CAP_REMINDER = "cap_reminder"
    CAP_NUDGE = "cap_nudge"
    QUICKWIN_PROGRESS = "quickwin_progress"
    RETEX = "retex"
    KPI_REVIEW = "kpi_review"


class TargetKind(StrEnum):
    CHANNEL = "channel"
    ROLE = "role"


@dataclass(frozen=True, slots=True)
class RitualTarget:
    """Where a ritual posts: a channel (id), or each member of a role by direct message."""

    kind: TargetKind
    value: str

    @classmethod
    def role(cls, role: Role) -> RitualTarget:
        return cls(TargetKind.ROLE, role.value)

    @classmethod
    def channel(cls, channel: str) -> RitualTarget:
        return cls(TargetKind.CHANNEL, channel)


@dataclass(frozen=True, slots=True)
class DefaultRitual:
    kind: RitualKind
    schedule: Schedule
    target: RitualTarget


MONDAY, TUESDAY, THURSDAY, FRIDAY = 0, 1, 3, 4


def _weekly(day: int, hour: int) -> Schedule:
    return Schedule(Frequency.WEEKLY, time(hour, 0), frozenset({day}))


def _first(day: int, hour: int) -> Schedule:
    return Schedule(Frequency.MONTHLY, time(hour, 0), frozenset({day}), nth=1)


DEFAULTS: tuple[DefaultRitual, ...] = (
    DefaultRitual(RitualKind.CAP_REMINDER, _weekly(MONDAY, 9), RitualTarget.role(Role.MANAGER)),
    DefaultRitual(RitualKind.CAP_NUDGE, _weekly(THURSDAY, 10), RitualTarget.role(Role.MANAGER)),
    DefaultRitual(
        RitualKind.QUICKWIN_PROGRESS, _weekly(FRIDAY, 16), RitualTarget.channel(TEAM_CHANNEL)
    ),
    DefaultRitual(RitualKind.RETEX, _first(TUESDAY, 10), RitualTarget.channel(TEAM_CHANNEL)),
    DefaultRitual(RitualKind.KPI_REVIEW, _first(MONDAY, 9), RitualTarget.role(Role.DIRECTOR)),
)
"""French defaults (all editable): cap Monday 09:00 to managers, nudge Thursday 10:00, quick
wins Friday 16:00 in the team channel, retex first Tuesday 10:00, KPI first Monday 09:00."""

KIND_WORDS: dict[str, RitualKind] = {
    "cap": RitualKind.CAP_REMINDER,
    "rappel-cap": RitualKind.CAP_REMINDER,
    "cap-reminder": RitualKind.CAP_REMINDER,
    "rappel": RitualKind.CAP_REMINDER,
    "reminder": RitualKind.CAP_REMINDER,
    "relance": RitualKind.CAP_NUDGE,
    "relance-cap": RitualKind.CAP_NUDGE,
    "cap-nudge": RitualKind.CAP_NUDGE,
    "nudge": RitualKind.CAP_NUDGE,
    "quickwins": RitualKind.QUICKWIN_PROGRESS,
    "quickwin": RitualKind.QUICKWIN_PROGRESS,
    "qw": RitualKind.QUICKWIN_PROGRESS,
    "progres": RitualKind.QUICKWIN_PROGRESS,
    "progress": RitualKind.QUICKWIN_PROGRESS,
    "retex": RitualKind.RETEX,
    "kpi": RitualKind.KPI_REVIEW,
    "synthese": RitualKind.KPI_REVIEW,
    "review": RitualKind.KPI_REVIEW,
}
"""Words for a kind in `rituel ajouter <kind> ...` (accents removed before the look-up)."""

ROLE_WORDS: dict[str, Role] = {
    "managers": Role.MANAGER,
    "manager": Role.MANAGER,
    "direction": Role.DIRECTOR,
    "directeur": Role.DIRECTOR,
    "directeurs": Role.DIRECTOR,
    "directrice": Role.DIRECTOR,
    "directrices": Role.DIRECTOR,
    "director": Role.DIRECTOR,
    "directors": Role.DIRECTOR,
    "membres": Role.MEMBER,
    "membre": Role.MEMBER,
    "members": Role.MEMBER,
    "member": Role.MEMBER,
}
"""Words for a role target: its members each get the post by direct message."""

TEAM_WORDS = frozenset({"equipe", "team", "canal", "channel"})
"""Words for the team channel as a target."""
HERE_WORDS = frozenset({"ici", "here"})
"""`rituel canal ici`: the channel the command is typed in (how Teams channels are chosen)."""
