"""Signed Slack slash-command requests, built as Slack sends them (form body, v0 signature)."""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlencode

from bench.load import Prepared

SIGNING_SECRET = "bench-signing-secret-not-real"
BOT_TOKEN = "xoxb-bench-not-real"
TEAM_ID = "T0BENCH"
DIRECTOR = "U0DIRECTOR"


def sign(body: bytes, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def slash_command(
    url: str,
    *,
    command: str,
    text: str,
    user_id: str,
    channel_id: str,
    response_url: str,
    trigger_id: str,
    team_id: str = TEAM_ID,
) -> Prepared:
    """One signed slash command; its key is the channel, where the reply will be posted."""
    fields = {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "team_domain": team_id.lower(),
        "channel_id": channel_id,
        "channel_name": "bench",
        "user_id": user_id,
        "user_name": user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": "A0BOUSSOLE",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
    body = urlencode(fields).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": sign(body, timestamp),
    }
    return Prepared(url=url, body=body, headers=headers, key=channel_id)


def user_id(index: int) -> str:
    return f"U{index:07d}"


def quick_win_logs(
    url: str, hook_url: str, *, count: int, users: int, tag: str, first_value: int = 20
) -> list[Prepared]:
    """`count` `/quickwin log 1 <value>` commands from `users` people, one channel each."""
    requests = []
    for i in range(count):
        channel = f"C{tag}{i:06d}"
        requests.append(
            slash_command(
                url,
                command="/quickwin",
                text=f"log 1 {first_value + i % 30}",
                user_id=user_id(i % users),
                channel_id=channel,
                response_url=f"{hook_url}-{channel}",
                trigger_id=f"{tag}.{i}.{time.monotonic_ns()}",
            )
        )
    return requests
