"""Buttons and modals over loopback on the real engine: "Lu ✅" updates the cap message, "Saisir
un résultat" and a bare /retex open modals whose submissions become interactions, with field
errors shown in the modal; one workspace can never touch another's data."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text

from bot import actions
from bot.model import Locale
from storage.database import Database
from tests.fakes.slack_api import RESPONSE_URL, FakeSlackApi
from tests.slack.conftest import MakeHarness
from tests.slack.harness import (
    CHANNEL,
    TEAM_A,
    TEAM_B,
    SlackHarness,
    action_payload,
    checkbox_value,
    command_payload,
    install,
    select_value,
    text_value,
    view_payload,
)

CAP = "Devenir la PME de référence à l'export d'ici 2028"
QW_ADD = (
    'ajouter "Relance factures automatisée" kpi="Délai de paiement" unité=jours '
    "base=52 cible=38 échéance=2027-03-31 resp=<@U0CLAIRE|claire>"
)


def button(post_params: dict[str, Any], action_id: str) -> dict[str, Any]:
    for block in post_params["blocks"]:
        for element in block.get("elements", ()):
            if element.get("action_id") == action_id:
                found: dict[str, Any] = element
                return found
    raise AssertionError(f"no {action_id} button in {post_params['blocks']}")


async def set_cap(slack: SlackHarness, api: FakeSlackApi, team: str = TEAM_A) -> dict[str, Any]:
    """Claire (first person, director) names Marie manager and sets the cap; returns its post."""
    role = "role <@U0MARIE|marie> manager"
    await slack.command(command_payload(api, role, command="/boussole", team=team, trigger="r"))
    await slack.command(command_payload(api, f"définir {CAP}", team=team, hook=f"set-{team}"))
    await slack.drain()
    return api.of("chat.postMessage", team_id=team)[-1].params


async def acks_of_current_cap(database: Database, team: str) -> int:
    async with database.store.transaction() as repo:
        tenant, _ = await repo.get_or_create_tenant("slack", team, "", Locale.FR, "Europe/Paris")
        cap = await repo.current_cap(tenant.id)
        assert cap is not None
        return len(await repo.cap_acks(tenant.id, cap.id))


async def test_lu_records_the_ack_and_updates_the_cap_message(
    slack: SlackHarness, slack_api: FakeSlackApi, database: Database
) -> None:
    post = await set_cap(slack, slack_api)
    ack = button(post, actions.ACK_CAP)
    before = len(slack_api.calls)

    reply = await slack.interact(
        action_payload(slack_api, ack["action_id"], ack["value"], user="U0MARIE", user_name="marie")
    )
    await slack.drain()

    assert (reply.status, reply.text) == (200, "")
    calls = slack_api.calls[before:]
    assert sorted(c.method for c in calls) == [
        "chat.update",
        "response_url",
        "views.publish",
    ]
    update = slack_api.of("chat.update")[0].params
    assert (update["channel"], update["ts"]) == (CHANNEL, "1700000000.000001")
    assert "Lu par 1/1 managers" in update["text"]
    confirmation = slack_api.of(RESPONSE_URL)[-1].params
    assert confirmation["response_type"] == "ephemeral"
    assert slack_api.of("views.publish")[-1].params["user_id"] == "U0MARIE"
    assert await acks_of_current_cap(database, TEAM_A) == 1


async def test_the_same_click_delivered_twice_counts_once(
    slack: SlackHarness, slack_api: FakeSlackApi, database: Database
) -> None:
    post = await set_cap(slack, slack_api)
    ack = button(post, actions.ACK_CAP)
    click = action_payload(slack_api, ack["action_id"], ack["value"], user="U0MARIE")
    published = slack_api.count("views.publish")

    await slack.interact(click)
    await slack.interact(click)
    await slack.drain()

    assert slack_api.count("chat.update") == 1
    assert slack_api.count("views.publish") == published + 1
    assert await acks_of_current_cap(database, TEAM_A) == 1


async def test_a_workspace_cannot_ack_another_workspaces_cap(
    make_harness: MakeHarness, slack_api: FakeSlackApi, database: Database
) -> None:
    slack = await make_harness(multi=True)
    await install(slack, TEAM_A)
    await install(slack, TEAM_B)
    post = await set_cap(slack, slack_api, TEAM_A)
    foreign_cap_id = button(post, actions.ACK_CAP)["value"]
    before = len(slack_api.calls)

    reply = await slack.interact(
        action_payload(
            slack_api, actions.ACK_CAP, foreign_cap_id, team=TEAM_B, user="U0MALLORY", hook="b"
        )
    )
    await slack.drain()

    assert reply.status == 200
    calls = slack_api.calls[before:]
    assert [c.method for c in calls if c.method != "auth.test"] == [RESPONSE_URL]
    assert calls[-1].path == "/hooks/b"
    assert calls[-1].params["response_type"] == "ephemeral"
    assert slack_api.count("chat.update") == 0
    assert slack_api.count("views.publish", team_id=TEAM_B) == 0
    assert await acks_of_current_cap(database, TEAM_A) == 0


async def test_log_result_without_quick_wins_just_says_so(
    slack: SlackHarness, slack_api: FakeSlackApi
) -> None:
    await slack.interact(action_payload(slack_api, actions.LOG_RESULT, ""))
    await slack.drain()

    assert slack_api.count("views.open") == 0
    answers = slack_api.of(RESPONSE_URL)
    assert len(answers) == 1 and answers[0].params["response_type"] == "ephemeral"


async def test_log_result_modal_shows_field_errors_then_records_the_value(
    slack: SlackHarness, slack_api: FakeSlackApi
) -> None:
    await slack.command(command_payload(slack_api, QW_ADD, command="/quickwin"))
    await slack.drain()
    home_click = action_payload(slack_api, actions.LOG_RESULT, "1", channel=None)

    await slack.interact(home_click)
    await slack.drain()

    opened = slack_api.of("views.open")
    assert len(opened) == 1
    view = opened[0].params["view"]
    assert opened[0].params["trigger_id"] == home_click["trigger_id"]
    assert view["callback_id"] == actions.SUBMIT_RESULT
    select = next(b for b in view["blocks"] if b.get("block_id") == "quickwin")["element"]
    assert select["initial_option"]["value"] == "1"

    values = {
        "quickwin": select_value("1"),
        "value": text_value("beaucoup"),
        "note": text_value(None),
    }
    refused = await slack.interact(view_payload(actions.SUBMIT_RESULT, values, trigger="s1"))
    assert refused.status == 200
    answer = refused.json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"value"}
    assert "beaucoup" in answer["errors"]["value"]

    values["value"] = text_value("45")
    accepted = await slack.interact(
        view_payload(
            actions.SUBMIT_RESULT, values, trigger="s2", private_metadata=view["private_metadata"]
        )
    )
    await slack.drain()

    assert (accepted.status, accepted.text) == (200, "")
    posts = slack_api.of("chat.postMessage")
    assert len(posts) == 2  # the quick win's announcement, then the result
    assert posts[-1].params["channel"] == "U0CLAIRE"  # from the App Home: a direct message
    assert "45" in posts[-1].params["text"]
    assert slack_api.of("views.publish")[-1].params["user_id"] == "U0CLAIRE"


async def test_bare_retex_opens_a_modal_whose_submission_is_posted_in_the_channel(
    slack: SlackHarness, slack_api: FakeSlackApi
) -> None:
    await slack.command(command_payload(slack_api, "", command="/retex"))
    await slack.drain()

    opened = slack_api.of("views.open")
    assert len(opened) == 1
    view = opened[0].params["view"]
    assert view["callback_id"] == actions.SUBMIT_RETEX
    kinds = {b["block_id"]: b["element"]["type"] for b in view["blocks"] if b["type"] == "input"}
    assert kinds == {"text": "plain_text_input", "anonymous": "checkboxes"}  # no quick win yet
    metadata = json.loads(view["private_metadata"])
    assert metadata["channel"] == CHANNEL

    empty = await slack.interact(
        view_payload(
            actions.SUBMIT_RETEX,
            {"text": text_value("   "), "anonymous": checkbox_value(False)},
            private_metadata=view["private_metadata"],
            trigger="r1",
        )
    )
    assert set(empty.json()["errors"]) == {"text"}

    shared = await slack.interact(
        view_payload(
            actions.SUBMIT_RETEX,
            {
                "text": text_value("Parler <!channel> aux clients"),
                "anonymous": checkbox_value(True),
            },
            private_metadata=view["private_metadata"],
            trigger="r2",
        )
    )
    await slack.drain()

    assert (shared.status, shared.text) == (200, "")
    posts = slack_api.of("chat.postMessage")
    assert len(posts) == 1
    assert posts[0].params["channel"] == CHANNEL
    assert "claire" not in posts[0].params["text"].lower()  # anonymous
    assert "<!channel>" not in json.dumps(posts[0].params)  # escaped: nobody is pinged
    assert "&lt;!channel&gt;" in posts[0].params["text"]


async def test_home_tab_buttons_answer_in_a_direct_message(
    slack: SlackHarness, slack_api: FakeSlackApi
) -> None:
    post = await set_cap(slack, slack_api)
    ack = button(post, actions.ACK_CAP)
    before = len(slack_api.calls)

    await slack.interact(
        action_payload(slack_api, ack["action_id"], ack["value"], user="U0MARIE", channel=None)
    )
    await slack.drain()

    methods = sorted(c.method for c in slack_api.calls[before:])
    assert methods == ["chat.postMessage", "views.publish"]  # no message to update from Home
    assert slack_api.of("chat.postMessage")[-1].params["channel"] == "U0MARIE"


async def test_a_slow_database_closes_the_modal_and_the_answer_follows(
    make_harness: MakeHarness, slack_api: FakeSlackApi, database: Database
) -> None:
    slack = await make_harness(ack_deadline_seconds=0.3)
    await slack.command(command_payload(slack_api, QW_ADD, command="/quickwin"))
    await slack.drain()
    metadata = json.dumps({"channel": CHANNEL, "response_url": slack_api.response_url("modal")})
    values = {"quickwin": select_value("1"), "value": text_value("beaucoup")}

    async with database.engine.connect() as blocker:
        transaction = await blocker.begin()
        if database.dialect == "postgresql":
            await blocker.execute(text("LOCK TABLE tenant IN ACCESS EXCLUSIVE MODE"))
        reply = await slack.interact(
            view_payload(actions.SUBMIT_RESULT, values, private_metadata=metadata, trigger="t")
        )
        assert (reply.status, reply.text) == (200, "")  # closed: Slack waits for no one
        await transaction.rollback()
    await slack.drain()

    [answer] = [c for c in slack_api.of(RESPONSE_URL) if c.path == "/hooks/modal"]
    assert answer.params["response_type"] == "ephemeral"
    assert "beaucoup" in answer.params["text"]
