"""Public holidays per country (the `holidays` package), and a time zone's country as a default."""

from __future__ import annotations

from datetime import date
from functools import cache
from importlib import resources

import holidays

from bot.model import Locale

_LANGUAGES = {Locale.FR: "fr", Locale.EN: "en_US"}


def country_of(timezone: str) -> str | None:
    """The ISO country code of an IANA time zone ("Europe/Paris" → "FR"), per tzdata's zone.tab."""
    return _zone_countries().get(timezone)


def is_supported(country: str) -> bool:
    return country.upper() in _supported()


@cache
def _supported() -> frozenset[str]:
    """The country codes `holidays` knows, read from its registry: its
    `list_supported_countries` loads every country's module to list subdivisions too (about
    100 ms, on the event loop, at the first planning or `rituel` command of a process)."""
    codes = getattr(getattr(holidays.registry, "EntityLoader", None), "get_country_codes", None)
    if codes is None:  # pragma: no cover - a `holidays` release without that registry
        return frozenset(holidays.list_supported_countries())
    return frozenset(codes())


def holiday_name(day: date, country: str, locale: Locale) -> str | None:
    """The name of the public holiday on `day` in `country`, in `locale` where known; else None."""
    if not is_supported(country):
        return None
    return _calendar(country.upper(), day.year, locale).get(day)


@cache
def _calendar(country: str, year: int, locale: Locale) -> holidays.HolidayBase:
    supported = holidays.list_localized_countries().get(country, ())
    language = _LANGUAGES[locale]
    return holidays.country_holidays(
        country, years=year, language=language if language in supported else None
    )


@cache
def _zone_countries() -> dict[str, str]:
    table = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text("utf-8")
    countries: dict[str, str] = {}
    for line in table.splitlines():
        if line and not line.startswith("#"):
            fields = line.split("\t")
            if len(fields) >= 3:
                countries[fields[2]] = fields[0]
    return countries
