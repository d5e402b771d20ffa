"""Teams message activities as the Bot Connector posts them to /api/messages, with a bearer
token signed by the local identity provider."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bench.load import Prepared

APP_ID = "0f8a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b"
APP_PASSWORD = "bench-secret-not-real"
TENANT = "11111111-aaaa-4aaa-8aaa-111111111111"
BOT = {"id": "28:boussole-bench", "name": "Boussole"}
DIRECTOR = 0
SEED_TEXT = (
    'qw ajouter "Relance factures" kpi=délai unité=jours base=52 cible=10 échéance=2030-12-31'
)


class Clock:
    """What the identity fake needs: the current time."""

    def now(self) -> datetime:
        return datetime.now(UTC)


def person(index: int) -> dict[str, str]:
    aad = f"aad-bench-{index:05d}"
    return {"id": f"29:{aad}", "name": f"Bench {index}", "aadObjectId": aad}


def message(service_url: str, text: str, *, user: int, activity_id: str) -> dict[str, Any]:
    """A personal-chat message from user `user` of the bench tenant."""
    sender = person(user)
    return {
        "type": "message",
        "id": activity_id,
        "timestamp": datetime.now(UTC).isoformat(),
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": sender,
        "conversation": {
            "id": f"a:personal-{sender['aadObjectId']}",
            "conversationType": "personal",
            "tenantId": TENANT,
        },
        "recipient": BOT,
        "channelData": {"tenant": {"id": TENANT}},
        "text": text,
        "textFormat": "plain",
    }


def prepared(url: str, token: str, activity: dict[str, Any]) -> Prepared:
    return Prepared(
        url=url,
        body=json.dumps(activity).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        key=str(activity["id"]),
    )


def quick_win_logs(
    url: str, token: str, service_url: str, *, count: int, users: int, tag: str
) -> list[Prepared]:
    """`count` "qw saisir 1 <value>" messages from `users` people (user 0 is the director)."""
    return [
        prepared(
            url,
            token,
            message(
                service_url,
                f"qw saisir 1 {20 + i % 30}",
                user=1 + i % users,
                activity_id=f"{tag}-{i}",
            ),
        )
        for i in range(count)
    ]
