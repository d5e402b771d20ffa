"""The schedule grammar, in French and English, and how schedules read back in words."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.errors import UserError
from bot.model import Locale
from rituals.grammar import parse_schedule
from rituals.schedule import LAST, Frequency, Schedule
from rituals.wording import describe, when


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("lundi 09:00", "weekly mon 09:00"),
        ("monday 9:00", "weekly mon 09:00"),
        ("Lundi 9h", "weekly mon 09:00"),
        ("tous les lundis à 9h30", "weekly mon 09:30"),
        ("every Monday at 9am", "weekly mon 09:00"),
        ("friday 4:30pm", "weekly fri 16:30"),
        ("vendredi 16 h 30", "weekly fri 16:30"),
        ("lundi et jeudi 9h", "weekly mon,thu 09:00"),
        ("mon, thu 9:00", "weekly mon,thu 09:00"),
        ("du lundi au vendredi 8h30", "weekly mon,tue,wed,thu,fri 08:30"),
        ("lun-ven 8h30", "weekly mon,tue,wed,thu,fri 08:30"),
        ("jours ouvrés 8h30", "weekly mon,tue,wed,thu,fri 08:30"),
        ("weekdays 8:30", "weekly mon,tue,wed,thu,fri 08:30"),
        ("chaque jour 08:30", "daily 08:30"),
        ("tous les jours à 8h30", "daily 08:30"),
        ("every day 8:30", "daily 08:30"),
        ("daily 12pm", "daily 12:00"),
        ("1er mardi du mois 10:00", "monthly 1 tue 10:00"),
        ("premier mardi du mois à 10h", "monthly 1 tue 10:00"),
        ("first tuesday 10:00", "monthly 1 tue 10:00"),
        ("first tuesday of the month 10am", "monthly 1 tue 10:00"),
        ("2e jeudi du mois 9h", "monthly 2 thu 09:00"),
        ("second thursday 9:00", "monthly 2 thu 09:00"),
        ("dernier vendredi du mois 16h", "monthly -1 fri 16:00"),
        ("last friday 4pm", "monthly -1 fri 16:00"),
        ("1 mardi du mois 10:00", "monthly 1 tue 10:00"),
        ("chaque heure à :15", "hourly :15"),
        ("toutes les heures", "hourly :00"),
        ("every hour at :45", "hourly :45"),
        ("hourly", "hourly :00"),
    ],
)
def test_schedules_in_french_and_english(text: str, canonical: str) -> None:
    parsed = parse_schedule(text)
    assert parsed.schedule.canonical() == canonical
    assert parsed.timezone is None


def test_a_time_zone_may_follow_the_schedule() -> None:
    parsed = parse_schedule("monday 9:00 america/new_york")
    assert (parsed.schedule.canonical(), parsed.timezone) == (
        "weekly mon 09:00",
        "America/New_York",
    )


@pytest.mark.parametrize(
    ("text", "key", "values"),
    [
        ("1 09:00", "ritual.numeric_weekday", {"value": "1"}),
        ("jour 1 9h", "ritual.bad_schedule", {"value": "jour 1 9h"}),
        ("7 9:00", "ritual.numeric_weekday", {"value": "7"}),
        ("0 9 * * 1", "ritual.no_cron", {}),
        ("toutes les 30 minutes", "ritual.too_often", {}),
        ("every 15 minutes", "ritual.too_often", {}),
        ("chaque demi-heure", "ritual.too_often", {}),
        ("every half hour", "ritual.too_often", {}),
        ("toutes les 2 heures", "ritual.bad_schedule", {"value": "toutes les 2 heures"}),
        ("lundi 25:00", "ritual.bad_time", {"value": "25:00"}),
        ("lundi 9h75", "ritual.bad_time", {"value": "9h75"}),
        ("monday 13pm", "ritual.bad_time", {"value": "13pm"}),
        ("lundi", "ritual.missing_time", {}),
        ("9h", "ritual.missing_days", {}),
        ("", "ritual.missing_days", {}),
        ("lundi 9h et 14h", "ritual.one_time", {}),
        ("premier mardi et jeudi 10h", "ritual.monthly_one_day", {}),
        ("chaque mois 10h", "ritual.monthly_one_day", {}),
        ("lundi 9h Europe/Pariss", "ritual.bad_timezone", {"value": "Europe/Pariss"}),
        ("lundi 9h Mars/Olympus", "ritual.bad_timezone", {"value": "Mars/Olympus"}),
        ("blursday 9h", "ritual.unknown_word", {"word": "blursday"}),
    ],
)
def test_bad_schedules_are_refused_with_a_reason_and_an_example(
    text: str, key: str, values: dict[str, str]
) -> None:
    with pytest.raises(UserError) as raised:
        parse_schedule(text)
    assert raised.value.key == key
    assert raised.value.values == values
    assert raised.value.example.startswith("ritual.ex.")


@pytest.mark.parametrize(
    ("schedule", "french", "english"),
    [
        (Schedule(Frequency.DAILY, time(8, 30)), "chaque jour à 08:30", "every day at 08:30"),
        (
            Schedule(Frequency.WEEKLY, time(9), frozenset({0})),
            "chaque lundi à 09:00",
            "every Monday at 09:00",
        ),
        (
            Schedule(Frequency.WEEKLY, time(9), frozenset({0, 2, 3})),
            "lundi, mercredi et jeudi à 09:00",
            "Monday, Wednesday and Thursday at 09:00",
        ),
        (
            Schedule(Frequency.WEEKLY, time(8, 30), frozenset(range(5))),
            "du lundi au vendredi à 08:30",
            "Monday to Friday at 08:30",
        ),
        (
            Schedule(Frequency.MONTHLY, time(10), frozenset({1}), nth=1),
            "le 1er mardi du mois à 10:00",
            "the first Tuesday of the month at 10:00",
        ),
        (
            Schedule(Frequency.MONTHLY, time(16), frozenset({4}), nth=LAST),
            "le dernier vendredi du mois à 16:00",
            "the last Friday of the month at 16:00",
        ),
        (Schedule(Frequency.HOURLY, time(0, 15)), "chaque heure à :15", "every hour at :15"),
    ],
)
def test_schedules_read_back_in_words(schedule: Schedule, french: str, english: str) -> None:
    assert describe(schedule, Locale.FR) == french
    assert describe(schedule, Locale.EN) == english
    assert parse_schedule(french.replace("le ", "")).schedule == schedule
    assert parse_schedule(english.replace("the ", "")).schedule == schedule


def test_the_next_run_in_human_words() -> None:
    now = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # Monday 08:00 in Paris
    friday = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)
    assert when(friday, now, "Europe/Paris", Locale.FR) == "vendredi 6 mars à 16:00 (dans 4 jours)"
    assert when(friday, now, "Europe/Paris", Locale.EN) == "Friday 6 March at 16:00 (in 4 days)"
    soon = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert when(soon, now, "Europe/Paris", Locale.FR) == "lundi 2 mars à 09:00 (dans 1 h)"
    quarter_before = soon - timedelta(minutes=15)
    assert when(soon, quarter_before, "Europe/Paris", Locale.EN) == (
        "Monday 2 March at 09:00 (in 15 min)"
    )
    tomorrow = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    assert when(tomorrow, now, "Europe/Paris", Locale.EN) == "Tuesday 3 March at 10:00 (tomorrow)"
