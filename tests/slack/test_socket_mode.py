"""Socket Mode: the same Bolt app reached over a WebSocket (no public URL), acknowledging each
envelope and answering through response_url."""

from __future__ import annotations

from adapters.slack import SlackAdapter
from bot.engine import Engine
from storage.database import Database
from tests.fakes.slack_api import RESPONSE_URL, SOCKET_ACK, FakeSlackApi
from tests.slack.harness import TEAM_A, command_payload, slack_config
from tests.support.clock import FakeClock


async def test_a_command_over_socket_mode_is_acked_and_answered(
    engine: Engine, database: Database, clock: FakeClock, slack_api: FakeSlackApi
) -> None:
    config = slack_config(slack_api, signing_secret="", app_token="xapp-1-A111-socket")
    adapter = SlackAdapter(config, engine, database, clock)
    try:
        await adapter.start_socket_mode()
        await slack_api.wait_for_socket()
        payload = command_payload(slack_api, "aide", command="/boussole")
        await slack_api.push(
            {
                "envelope_id": "57d6a792-4d35-4d0b-b6aa-3361493e1caf",
                "type": "slash_commands",
                "payload": payload,
                "accepts_response_payload": True,
            }
        )
        await slack_api.wait_for(SOCKET_ACK)
        await adapter.drain()
    finally:
        await adapter.close()

    [connect] = slack_api.of("apps.connections.open")
    assert connect.token == "xapp-1-A111-socket"
    [ack] = slack_api.of(SOCKET_ACK)
    assert ack.params == {"envelope_id": "57d6a792-4d35-4d0b-b6aa-3361493e1caf"}
    answers = slack_api.of(RESPONSE_URL)
    assert len(answers) == 2 and all(a.params["response_type"] == "ephemeral" for a in answers)
    assert slack_api.of("auth.test")[0].team_id == TEAM_A
