"""Unit tests of the command grammar's parsing helpers: numbers, dates, references, words."""

from datetime import date
from decimal import Decimal

import pytest

from bot.errors import UserError
from bot.parsing import count_words, parse_date, parse_number, parse_ref, split_first, tokens


@pytest.mark.parametrize(
    ("raw", "value", "unit"),
    [
        ("38,5", Decimal("38.5"), ""),
        ("38.5", Decimal("38.5"), ""),
        ("12%", Decimal("12"), "%"),
        ("12 %", Decimal("12"), "%"),
        ("38,5 jours", Decimal("38.5"), "jours"),
        ("38,5j", Decimal("38.5"), "j"),
        ("-3", Decimal("-3"), ""),
        ("+4,25", Decimal("4.25"), ""),
        (",5", Decimal("0.5"), ""),
        ("12\u00a0%", Decimal("12"), "%"),
    ],
)
def test_numbers_accept_comma_point_units_and_percent(raw: str, value: Decimal, unit: str) -> None:
    assert parse_number(raw) == (value, unit)


@pytest.mark.parametrize("raw", ["", "abc", "12,5,3", "1e5", "NaN", "12 34", "9" * 14])
def test_bad_numbers_are_user_errors(raw: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_number(raw)
    assert caught.value.key == "error.bad_number"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2027-03-31", date(2027, 3, 31)),
        ("31/03/2027", date(2027, 3, 31)),
        ("1.4.2027", date(2027, 4, 1)),
    ],
)
def test_dates(raw: str, expected: date) -> None:
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["2027-02-30", "31/13/2027", "demain", "2027/03/31", ""])
def test_bad_dates(raw: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_date(raw)
    assert caught.value.key == "error.bad_date"


@pytest.mark.parametrize(
    ("raw", "number"), [("1", 1), ("#2", 2), ("QW-3", 3), ("qw4", 4), ("qw_5", 5)]
)
def test_refs(raw: str, number: int) -> None:
    assert parse_ref(raw) == number


@pytest.mark.parametrize("raw", ["", "QW-", "x1", "1.5", "#-1"])
def test_bad_refs(raw: str) -> None:
    with pytest.raises(UserError):
        parse_ref(raw)


def test_words_are_counted_as_documented() -> None:
    assert count_words("l'équipe e-commerce — € 3 ! ok") == 4
    assert count_words("") == 0
    assert count_words("   \n\t ") == 0
    assert count_words(" ".join(["mot"] * 101)) == 101


def test_tokens_honour_quotes_and_never_raise() -> None:
    assert tokens('"Relance factures" kpi="Délai de paiement" base=52') == [
        "Relance factures",
        "kpi=Délai de paiement",
        "base=52",
    ]
    assert tokens("« Cartographie des flux » x") == ["Cartographie des flux", "x"]
    assert tokens('unbalanced "quote here') == ["unbalanced", "quote", "here"]


def test_split_first_lowercases_the_word_only() -> None:
    assert split_first("  CAP  Définir Notre Cap ") == ("cap", "Définir Notre Cap")
    assert split_first("") == ("", "")
