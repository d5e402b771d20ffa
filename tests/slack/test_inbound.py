"""Slack payloads -> the core's command text, mentions, tenant, actor and stable request keys."""

from __future__ import annotations

import pytest

from adapters.slack import inbound
from bot.requests import Actor, TenantRef
from tests.slack.harness import load


@pytest.mark.parametrize(
    ("core", "text", "expected", "mentions"),
    [
        ("quickwin", "log 1 38,5 note", "quickwin log 1 38,5 note", {}),
        (
            "boussole",
            "role <@U123|marie> manager",
            "boussole role @U123 manager",
            {"U123": "marie"},
        ),
        ("boussole", "role <@U123> manager", "boussole role @U123 manager", {}),
        ("retex", "voir <#C42|général> <!here>", "retex voir #C42 @here", {}),
        (
            "retex",
            "lire <https://ex.fr/a?b=1&amp;c=2|ex.fr>",
            "retex lire https://ex.fr/a?b=1&c=2",
            {},
        ),
        ("cap", "a &lt; b &amp;&amp; c &gt; d", "cap a < b && c > d", {}),
        ("cap", "", "cap", {}),
        ("cap", "   ", "cap", {}),
        (
            "boussole",
            "role <@W0ENT|l&amp;a> member",
            "boussole role @W0ENT member",
            {"W0ENT": "l&a"},
        ),
    ],
)
def test_command_text(core: str, text: str, expected: str, mentions: dict[str, str]) -> None:
    assert inbound.command_text(core, text) == (expected, mentions)


def test_tenant_actor_and_channel_of_each_payload_kind() -> None:
    command = load("slash_command")
    action = load("block_actions")
    view = load("view_submission")
    event = load("app_home_opened")

    assert inbound.team_of(command) == ("T0001", "example")
    assert inbound.team_of(action) == ("T0CA5", "pocket-calculator")
    assert inbound.team_of(view) == ("T0MJRM1A7", "pandamonium")
    assert inbound.team_of(event) == ("T0001", "")
    assert inbound.actor_of(command) == Actor("U2147483697", "steve")
    assert inbound.actor_of(action) == Actor("U0CA5", "amy")
    assert inbound.channel_of(command) == "C2147483705"
    assert inbound.channel_of(action) == "C0CA5"
    assert inbound.tenant_ref("T1", "acme") == TenantRef("slack", "T1", "acme")


def test_request_keys_are_stable_for_redeliveries_and_distinct_otherwise() -> None:
    command = load("slash_command")
    retyped = {**command, "trigger_id": "another"}
    other_team = {**command, "team_id": "T9"}
    assert inbound.command_key(command) == inbound.command_key(dict(command))
    assert len({inbound.command_key(c) for c in (command, retyped, other_team)}) == 3

    action = load("block_actions")
    click = action["actions"][0]
    second_click = {**click, "action_ts": "1548426418.000001"}
    assert inbound.action_key(action, click) == inbound.action_key(action, dict(click))
    assert inbound.action_key(action, click) != inbound.action_key(action, second_click)

    view = load("view_submission")
    resubmitted = {**view, "trigger_id": "12345.98765.other"}
    assert inbound.view_key(view) != inbound.view_key(resubmitted)
