"""Property-based tests: any input gives a reply or a user-facing error, never an exception."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import UserError
from bot.i18n import CATALOGUE
from bot.parsing import count_words, parse_date, parse_number, parse_ref, tokens
from bot.progress import progress
from tests.support.chat import Chat

WORDS = [
    "cap",
    "qw",
    "quickwin",
    "retex",
    "kpi",
    "boussole",
    "aide",
    "help",
    "/cap",
    "définir",
    "set",
    "lu",
    "ack",
    "historique",
    "ajouter",
    "add",
    "saisir",
    "log",
    "liste",
    "list",
    "voir",
    "show",
    "clore",
    "close",
    "fait",
    "abandonné",
    "role",
    "roles",
    "langue",
    "fuseau",
    "réglages",
    "1",
    "#1",
    "QW-1",
    "38,5",
    "12%",
    "-4",
    "jours",
    "@marie",
    "@",
    "qw=1",
    "anonyme",
    "kpi=K",
    "base=5",
    "cible=9",
    "échéance=2030-01-01",
    "due=31/12/2030",
    '"',
    "«",
    "»",
    "manager",
    "directeur",
    "Europe/Paris",
    "en",
    "fr",
    "tous",
    "\n",
    "🚀",
    "x" * 120,
]
INTERNAL_ERRORS = {CATALOGUE["error.internal"][0], CATALOGUE["error.internal"][1]}

grammar_like = st.lists(st.sampled_from(WORDS) | st.text(max_size=12), min_size=0, max_size=9).map(
    " ".join
)
anything = st.text(max_size=300)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(line=grammar_like | anything, who=st.sampled_from(["claire", "marie", "paul"]))
async def test_any_line_gets_an_answer_never_an_exception(chat: Chat, line: str, who: str) -> None:
    reply = await chat.say(who, line)
    assert reply.messages, line
    for message in reply.messages:
        assert message.text.strip()
        assert message.text not in INTERNAL_ERRORS, line


@given(st.text(max_size=40))
def test_parsers_raise_only_user_errors(raw: str) -> None:
    for parse in (parse_number, parse_date, parse_ref):
        try:
            parse(raw)
        except UserError as error:
            assert error.key in CATALOGUE


@given(st.text(max_size=200))
def test_tokens_and_word_count_never_raise(raw: str) -> None:
    assert all(token == token.strip() and token for token in tokens(raw))
    assert 0 <= count_words(raw) <= len(raw.split())


@given(
    st.decimals(min_value=-(10**6), max_value=10**6, places=2),
    st.decimals(min_value=-(10**6), max_value=10**6, places=2),
    st.decimals(min_value=-(10**6), max_value=10**6, places=2),
)
def test_progress_is_zero_at_baseline_one_at_target(
    base: Decimal, target: Decimal, value: Decimal
) -> None:
    if base == target:
        return
    assert progress(base, target, base) == 0.0
    assert progress(base, target, target) == 1.0
    between = (base + target) / 2
    assert abs(progress(base, target, between) - 0.5) < 1e-9


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(line=grammar_like, who=st.sampled_from(["claire", "marie", "paul"]))
async def test_every_error_shows_a_correct_example(chat: Chat, line: str, who: str) -> None:
    reply = await chat.say(who, line)
    for message in reply.messages:
        if message.kind == "error":
            assert "\nExemple : " in message.text, (line, message.text)
