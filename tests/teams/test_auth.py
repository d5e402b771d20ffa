"""Authentication and request hygiene of POST /api/messages: refusals never reach the bot."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import jwt
import pytest
from sqlalchemy import func, select

from storage.teams_models import TeamsConversationRow
from tests.fakes.identity import SigningKey, _rsa_key
from tests.support.clock import FakeClock
from tests.teams.activities import personal_install, personal_message
from tests.teams.conftest import APP_ID, TeamsServer


async def stored_conversations(teams: TeamsServer) -> int:
    engine = teams.adapter.conversations._engine
    async with engine.connect() as connection:
        query = select(func.count()).select_from(TeamsConversationRow)
        return int((await connection.execute(query)).scalar_one())


async def assert_refused(teams: TeamsServer, status: int, **post: object) -> None:
    """The request gets `status`, and the bot did nothing: no reply, no stored reference."""
    activity = post.pop("activity", None) or personal_install(teams.service_url)
    got, body = await teams.post(activity, **post)  # type: ignore[arg-type]
    assert got == status, body
    assert teams.connector.attempts == []
    assert await stored_conversations(teams) == 0


async def test_an_authenticated_installation_is_accepted_and_remembered(teams: TeamsServer) -> None:
    status, _ = await teams.post(personal_install(teams.service_url))
    assert status in (200, 202)
    assert await stored_conversations(teams) == 1
    assert teams.connector.attempts == []


async def test_missing_authorization_is_401(teams: TeamsServer) -> None:
    await assert_refused(teams, 401, token=None)


@pytest.mark.parametrize(
    "header",
    ["Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", "bearer not-a-jwt", "Bearer " + "x" * 8100],
)
async def test_malformed_authorization_is_401(teams: TeamsServer, header: str) -> None:
    await assert_refused(teams, 401, authorization=header)


async def test_alg_none_is_401(teams: TeamsServer) -> None:
    await assert_refused(teams, 401, token=teams.token(algorithm="none"))


async def test_a_token_without_key_id_is_401(teams: TeamsServer) -> None:
    key = teams.identity.keys[0]
    token = jwt.encode(
        {"iss": "https://api.botframework.com", "aud": APP_ID, "exp": 4102444800},
        key.private,
        algorithm="RS256",
    )
    await assert_refused(teams, 401, token=token)


async def test_hmac_signed_with_the_public_key_is_401(teams: TeamsServer) -> None:
    """The classic algorithm-confusion attack: HS256 keyed with the published RSA key."""
    from cryptography.hazmat.primitives import serialization

    public_pem = (
        teams.identity.keys[0]
        .private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    claims = {
        "iss": "https://api.botframework.com",
        "aud": APP_ID,
        "exp": 4102444800,
        "serviceurl": teams.service_url,
    }
    header = json.dumps({"alg": "HS256", "typ": "JWT", "kid": "key-1"}).encode()
    import base64
    import hashlib
    import hmac

    def b64(raw: bytes) -> bytes:
        return base64.urlsafe_b64encode(raw).rstrip(b"=")

    signing_input = b64(header) + b"." + b64(json.dumps(claims).encode())
    signature = hmac.new(public_pem, signing_input, hashlib.sha256).digest()
    token = (signing_input + b"." + b64(signature)).decode()
    await assert_refused(teams, 401, token=token)


async def test_expired_token_is_401(teams: TeamsServer, clock: FakeClock) -> None:
    token = teams.token(issued_at=clock.now() - timedelta(hours=2), lifetime=timedelta(hours=1))
    await assert_refused(teams, 401, token=token)


async def test_token_expired_within_clock_skew_is_accepted(
    teams: TeamsServer, clock: FakeClock
) -> None:
    token = teams.token(issued_at=clock.now() - timedelta(minutes=64), lifetime=timedelta(hours=1))
    status, _ = await teams.post(personal_install(teams.service_url), token=token)
    assert status in (200, 202)


async def test_token_not_yet_valid_is_401(teams: TeamsServer, clock: FakeClock) -> None:
    await assert_refused(teams, 401, token=teams.token(issued_at=clock.now() + timedelta(hours=1)))


async def test_wrong_audience_is_401(teams: TeamsServer) -> None:
    await assert_refused(teams, 401, token=teams.token(audience="another-bot"))


async def test_wrong_issuer_is_401(teams: TeamsServer) -> None:
    await assert_refused(teams, 401, token=teams.token(issuer="https://evil.example.com"))


async def test_signature_by_an_unpublished_key_with_a_known_key_id_is_401(
    teams: TeamsServer,
) -> None:
    impostor = SigningKey("key-1", _rsa_key(7))
    await assert_refused(teams, 401, token=teams.token(key=impostor))


async def test_unknown_key_id_is_401_and_refetches_keys_at_most_once_per_interval(
    teams: TeamsServer, clock: FakeClock
) -> None:
    async def refused(kid: str) -> None:
        status, _ = await teams.post(
            personal_message(teams.service_url, "aide"), token=teams.token(kid=kid)
        )
        assert status == 401

    await refused("never-published")  # the first request fills the cache: one fetch
    assert teams.identity.jwks_requests == 1
    clock.advance(timedelta(minutes=6))
    await refused("never-published")  # cache fresh, id unknown: a rotation? refetch once
    assert teams.identity.jwks_requests == 2
    await refused("never-published")
    await refused("another-unknown")
    assert teams.identity.jwks_requests == 2  # rate-limited: no refetch storm
    clock.advance(timedelta(minutes=6))
    await refused("never-published")
    assert teams.identity.jwks_requests == 3
    assert teams.connector.attempts == []
    assert await stored_conversations(teams) == 0


async def test_signing_key_rotation_triggers_a_refetch(
    teams: TeamsServer, clock: FakeClock
) -> None:
    status, _ = await teams.post(personal_install(teams.service_url))
    assert status in (200, 202)
    assert teams.identity.jwks_requests == 1
    clock.advance(timedelta(minutes=10))
    teams.identity.rotate()
    status, _ = await teams.post(personal_install(teams.service_url))
    assert status in (200, 202)
    assert teams.identity.jwks_requests == 2
    status, _ = await teams.post(personal_install(teams.service_url))
    assert status in (200, 202)
    assert teams.identity.jwks_requests == 2  # cached again


async def test_key_not_endorsed_for_the_channel_is_401(teams: TeamsServer) -> None:
    teams.identity.keys[0].endorsements = ["webchat"]
    await assert_refused(teams, 401)


async def test_token_without_serviceurl_claim_is_401(teams: TeamsServer) -> None:
    await assert_refused(teams, 401, token=teams.identity.token(app_id=APP_ID, service_url=None))


async def test_serviceurl_claim_for_another_host_is_401(teams: TeamsServer) -> None:
    token = teams.identity.token(app_id=APP_ID, service_url="https://smba.trafficmanager.net/emea/")
    await assert_refused(teams, 401, token=token)


async def test_keys_unavailable_is_503_never_500(teams: TeamsServer) -> None:
    teams.identity.jwks_status = 500
    got, _ = await teams.post(personal_install(teams.service_url))
    assert got == 503
    assert teams.connector.attempts == []
    assert await stored_conversations(teams) == 0


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"[]", "application/json", 400),
        (b'"text"', "application/json", 400),
        (b"\xff\xfe", "application/json", 400),
        (b'{"type": "message"}', "application/json", 400),
        (
            b'{"type": "message", "conversation": {"id": 5}, "timestamp": "soon"}',
            "application/json",
            400,
        ),
        (b'{"type": "message", "conversation": {"id": "c"}}', "application/json", 400),
        (b'{"type": "message"}', "text/plain", 415),
        (b'{"type": "message"}', None, 415),
        (b"type=message", "application/x-www-form-urlencoded", 415),
    ],
)
async def test_malformed_requests_are_4xx_never_500(
    teams: TeamsServer, body: bytes, content_type: str | None, status: int
) -> None:
    await assert_refused(teams, status, body=body, content_type=content_type)


async def test_oversized_body_is_413(teams: TeamsServer) -> None:
    activity = personal_message(teams.service_url, "x" * 300_000)
    await assert_refused(teams, 413, activity=activity)


async def test_service_url_outside_the_allow_list_is_403(teams: TeamsServer) -> None:
    activity = personal_install("https://attacker.example.com/")
    token = teams.identity.token(app_id=APP_ID, service_url="https://attacker.example.com/")
    await assert_refused(teams, 403, activity=activity, token=token)


async def test_a_slow_identity_provider_never_blocks_other_requests(teams: TeamsServer) -> None:
    """While the JWKS fetch hangs, the Slack route answers and Teams requests just wait."""
    teams.identity.jwks_gate = asyncio.Event()
    first = asyncio.create_task(teams.post(personal_install(teams.service_url)))
    second = asyncio.create_task(teams.post(personal_install(teams.service_url)))
    await teams.identity.jwks_waiting.wait()
    for _ in range(3):
        assert await teams.slack() == 200
    assert teams.slack_hits == 3
    assert not first.done() and not second.done()
    teams.identity.jwks_gate.set()
    assert (await first)[0] in (200, 202)
    assert (await second)[0] in (200, 202)
    assert teams.identity.jwks_requests == 1  # both waited for one shared fetch


class SignatureChecks:
    """Counts the full token checks (`jwt.decode`: signature, audience, issuer)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import adapters.teams.auth as auth

        self.count = 0
        decode = auth.jwt.decode

        def counting(*args: object, **kwargs: object) -> object:
            self.count += 1
            return decode(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(auth.jwt, "decode", counting)


async def test_a_token_seen_again_is_not_checked_again_until_it_expires(
    teams: TeamsServer, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = SignatureChecks(monkeypatch)
    token = teams.token(issued_at=clock.now(), lifetime=timedelta(hours=1))
    for _ in range(3):
        status, _ = await teams.post(personal_install(teams.service_url), token=token)
        assert status in (200, 202)
    assert checks.count == 1  # Teams sends the same token with every activity for an hour
    other = teams.token(issued_at=clock.now() + timedelta(seconds=1), lifetime=timedelta(hours=1))
    status, _ = await teams.post(personal_install(teams.service_url), token=other)
    assert status in (200, 202)
    assert checks.count == 2  # another token string: checked in full
    clock.advance(timedelta(hours=1, minutes=6))  # past exp and the 5-minute skew
    got, _ = await teams.post(personal_install(teams.service_url), token=token)
    assert got == 401
    assert checks.count == 2  # refused from the clock alone


async def test_a_remembered_token_is_refused_once_its_key_is_withdrawn(
    teams: TeamsServer, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Revoking a key (it leaves the provider's set) refuses the tokens it signed, remembered
    or not, from the moment the keys are fetched again."""
    checks = SignatureChecks(monkeypatch)
    old_token = teams.token(issued_at=clock.now(), lifetime=timedelta(hours=2))
    status, _ = await teams.post(personal_install(teams.service_url), token=old_token)
    assert status in (200, 202)
    teams.identity.rotate()  # key-1 withdrawn, key-2 published
    clock.advance(timedelta(minutes=10))
    new_token = teams.token(issued_at=clock.now(), lifetime=timedelta(hours=1))
    status, _ = await teams.post(personal_install(teams.service_url), token=new_token)
    assert status in (200, 202)  # an unknown key id: the keys were fetched again
    assert teams.identity.jwks_requests == 2
    got, _ = await teams.post(personal_install(teams.service_url), token=old_token)
    assert got == 401
    assert checks.count == 2  # the old token was refused by its key lookup, not re-decoded


async def test_a_key_replaced_under_the_same_id_means_a_full_check(
    teams: TeamsServer, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = SignatureChecks(monkeypatch)
    token = teams.token(issued_at=clock.now(), lifetime=timedelta(hours=2))
    status, _ = await teams.post(personal_install(teams.service_url), token=token)
    assert status in (200, 202)
    impostor = SigningKey("key-1", _rsa_key(7))  # same id, other material
    teams.identity.keys = [impostor]
    clock.advance(timedelta(days=2))  # the key set is stale: fetched again at the next request
    fresh = teams.token(issued_at=clock.now(), lifetime=timedelta(hours=1))
    status, _ = await teams.post(personal_install(teams.service_url), token=fresh)
    assert status in (200, 202)
    assert checks.count == 2
    got, _ = await teams.post(personal_install(teams.service_url), token=token)
    assert got == 401  # its signature does not match the new key (and it has expired)
    assert checks.count == 3


async def test_at_most_so_many_tokens_are_remembered(
    teams: TeamsServer, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import adapters.teams.auth as auth

    monkeypatch.setattr(auth, "VERIFIED_TOKENS_KEPT", 3)
    checks = SignatureChecks(monkeypatch)
    tokens = [
        teams.token(issued_at=clock.now() + timedelta(seconds=n), lifetime=timedelta(hours=1))
        for n in range(5)
    ]
    for token in tokens:
        status, _ = await teams.post(personal_install(teams.service_url), token=token)
        assert status in (200, 202)
    assert checks.count == 5
    for token in tokens[2:]:  # the three most recent are remembered
        await teams.post(personal_install(teams.service_url), token=token)
    assert checks.count == 5
    await teams.post(personal_install(teams.service_url), token=tokens[0])  # forgotten
    assert checks.count == 6
