"""Which countries have public holidays: the codes `holidays` lists, read without loading every
country's module."""

from __future__ import annotations

import sys
from datetime import date

import holidays

from bot.model import Locale
from rituals import public_holidays
from rituals.public_holidays import holiday_name, is_supported


def test_the_supported_countries_are_the_ones_holidays_lists() -> None:
    public_holidays._supported.cache_clear()
    loaded_before = {name for name in sys.modules if name.startswith("holidays.countries.")}
    supported = public_holidays._supported()
    loaded_after = {name for name in sys.modules if name.startswith("holidays.countries.")}
    assert loaded_after == loaded_before  # no country module loaded to list them
    assert supported == frozenset(holidays.list_supported_countries())
    assert is_supported("FR") and is_supported("fr") and is_supported("UK")  # an alias too
    assert not is_supported("ZZ")


def test_an_unsupported_country_has_no_holiday() -> None:
    assert holiday_name(date(2026, 12, 25), "ZZ", Locale.FR) is None
    assert holiday_name(date(2026, 12, 25), "FR", Locale.FR) == "Noël"
