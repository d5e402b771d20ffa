"""What POST /api/messages answers once a request is accepted: 202 for a message (replies go to
the Bot Connector), the turn's replies in the body for `expectReplies`, 501 for an invoke the
bot does not handle."""

from __future__ import annotations

import json

from tests.teams.activities import personal_message
from tests.teams.conftest import TeamsServer


async def test_a_message_is_accepted_and_answered_through_the_connector(
    teams: TeamsServer,
) -> None:
    status, body = await teams.post(personal_message(teams.service_url, "aide"))
    assert (status, body) == (202, "")
    assert teams.connector.received  # the welcome, then the help
    assert {reply.kind for reply in teams.connector.received} == {"reply"}


async def test_expect_replies_gets_the_replies_in_the_answer(teams: TeamsServer) -> None:
    activity = personal_message(teams.service_url, "aide")
    activity["deliveryMode"] = "expectReplies"
    status, body = await teams.post(activity)
    assert status == 200
    replies = json.loads(body)["activities"]
    assert replies and all(reply["type"] == "message" for reply in replies)
    assert replies[0]["replyToId"] == activity["id"]
    assert "Bienvenue Marie Curie" in replies[0]["attachments"][0]["content"]["fallbackText"]
    assert teams.connector.received == []  # nothing was posted: it is all in the answer


async def test_an_invoke_the_bot_does_not_handle_is_501(teams: TeamsServer) -> None:
    activity = personal_message(teams.service_url, "")
    activity |= {
        "type": "invoke",
        "name": "adaptiveCard/action",
        "value": {"action": {"type": "Action.Execute", "verb": "anything"}},
    }
    status, body = await teams.post(activity)
    assert (status, body) == (501, "")
    assert teams.connector.received == []
