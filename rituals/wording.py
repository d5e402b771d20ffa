"""Rituals in human words: a schedule ("chaque lundi à 09:00"), a target, the next run's date."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import translate
from bot.model import Locale
from rituals.kinds import RitualKind, RitualTarget, TargetKind
from rituals.schedule import Frequency, Schedule


def kind_name(locale: Locale, kind: RitualKind) -> str:
    return translate(locale, f"ritual.kind.{kind.value}")


def kind_icon(locale: Locale, kind: RitualKind) -> str:
    return translate(locale, f"ritual.icon.{kind.value}")


def day_name(locale: Locale, weekday: int) -> str:
    return translate(locale, f"ritual.day.{weekday}")


def describe(schedule: Schedule, locale: Locale) -> str:
    """ "chaque lundi à 09:00", "le 1er mardi du mois à 10:00", "every day at 08:30"…"""
    clock = f"{schedule.at:%H:%M}"
    days = sorted(schedule.weekdays)
    match schedule.frequency:
        case Frequency.HOURLY:
            return translate(locale, "ritual.every_hour", minute=f"{schedule.at:%M}")
        case Frequency.DAILY:
            return translate(locale, "ritual.every_day", time=clock)
        case Frequency.MONTHLY:
            return translate(
                locale,
                "ritual.monthly",
                nth=translate(locale, f"ritual.nth.{schedule.nth}"),
                day=day_name(locale, days[0]),
                time=clock,
            )
        case Frequency.WEEKLY:
            if days == [0, 1, 2, 3, 4]:
                return translate(locale, "ritual.workdays", time=clock)
            if len(days) == 1:
                return translate(
                    locale, "ritual.every_weekday", day=day_name(locale, days[0]), time=clock
                )
            names = [day_name(locale, day) for day in days]
            joined = ", ".join(names[:-1]) + translate(locale, "ritual.and") + names[-1]
            return translate(locale, "ritual.some_weekdays", days=joined, time=clock)


def describe_target(target: RitualTarget, locale: Locale) -> str:
    if target.kind is TargetKind.ROLE:
        role = translate(locale, f"ritual.role.{target.value}")
        return translate(locale, "ritual.target.role", role=role)
    if not target.value:
        return translate(locale, "ritual.target.no_channel")
    return translate(locale, "ritual.target.channel", channel=target.value)


def local_date(moment: datetime, timezone: str, locale: Locale) -> str:
    """ "lundi 9 mars à 09:00" / "Monday 9 March at 09:00", in `timezone`."""
    local = moment.astimezone(ZoneInfo(timezone))
    return translate(
        locale,
        "ritual.date",
        day=day_name(locale, local.weekday()),
        number=local.day,
        month=translate(locale, f"ritual.month.{local.month}"),
        time=f"{local:%H:%M}",
    )


def when(moment: datetime, now: datetime, timezone: str, locale: Locale) -> str:
    """ "vendredi 6 mars à 16:00 (dans 3 jours)" / "Friday 6 March at 16:00 (tomorrow)"."""
    zone = ZoneInfo(timezone)
    delta = moment - now
    days = (moment.astimezone(zone).date() - now.astimezone(zone).date()).days
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        relative = translate(locale, "ritual.in_minutes", count=minutes)
    elif days == 0:
        relative = translate(locale, "ritual.in_hours", count=minutes // 60)
    elif days == 1:
        relative = translate(locale, "ritual.tomorrow")
    else:
        relative = translate(locale, "ritual.in_days", count=days)
    return translate(
        locale, "ritual.when", date=local_date(moment, timezone, locale), relative=relative
    )


def month_name(locale: Locale, month: int) -> str:
    return translate(locale, f"ritual.month.{month}")


def of_month(locale: Locale, month: int) -> str:
    """ "de février", "d'octobre" (French elides before a vowel), "of February"."""
    name = month_name(locale, month)
    key = "ritual.of_month_elided" if name[0] in "aeiouéèêâô" else "ritual.of_month"
    return translate(locale, key, month=name)
