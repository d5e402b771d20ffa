"""A local identity provider: OpenID metadata, JWKS and a token endpoint, minting test JWTs."""

from __future__ import annotations

import asyncio
import base64
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
METADATA_PATH = "/v1/.well-known/openidconfiguration"
JWKS_PATH = "/v1/.well-known/keys"
TOKEN_PATH = "/botframework.com/oauth2/v2.0/token"


@cache
def _rsa_key(index: int) -> rsa.RSAPrivateKey:
    """Test keys are slow to generate: a few per session, reused."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class SigningKey:
    kid: str
    private: rsa.RSAPrivateKey
    endorsements: list[str] | None = field(default_factory=lambda: ["msteams"])

    def jwk(self) -> dict[str, Any]:
        numbers = self.private.public_key().public_numbers()
        entry: dict[str, Any] = {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "n": _b64(numbers.n),
            "e": _b64(numbers.e),
        }
        if self.endorsements is not None:
            entry["endorsements"] = self.endorsements
        return entry


class FakeIdentity:
    """Serves Bot Framework-style OpenID metadata and JWKS on 127.0.0.1.

    `jwks_gate`: when set to an unset asyncio.Event, JWKS requests wait for it (a slow
    provider, without any timing). `jwks_status`: answer that status instead of keys.
    """

    def __init__(self, clock: Any) -> None:
        self.clock = clock
        self.keys = [SigningKey("key-1", _rsa_key(0))]
        self.metadata_requests = 0
        self.jwks_requests = 0
        self.token_requests: list[dict[str, str]] = []
        self.jwks_gate: asyncio.Event | None = None
        self.jwks_waiting = asyncio.Event()
        self.jwks_status = 200
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    @property
    def metadata_url(self) -> str:
        return self.base_url + METADATA_PATH

    @property
    def token_url(self) -> str:
        return self.base_url + TOKEN_PATH

    async def start(self) -> FakeIdentity:
        app = web.Application()
        app.router.add_get(METADATA_PATH, self._metadata)
        app.router.add_get(JWKS_PATH, self._jwks)
        app.router.add_post(TOKEN_PATH, self._token)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def close(self) -> None:
        if self.jwks_gate is not None:
            self.jwks_gate.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _metadata(self, _request: web.Request) -> web.Response:
        self.metadata_requests += 1
        return web.json_response(
            {
                "issuer": BOT_FRAMEWORK_ISSUER,
                "jwks_uri": self.base_url + JWKS_PATH,
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def _jwks(self, _request: web.Request) -> web.Response:
        self.jwks_requests += 1
        if self.jwks_gate is not None:
            self.jwks_waiting.set()
            await self.jwks_gate.wait()
        if self.jwks_status != 200:
            return web.json_response({"error": "unavailable"}, status=self.jwks_status)
        return web.json_response({"keys": [key.jwk() for key in self.keys]})

    async def _token(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        self.token_requests.append(form)
        if form.get("grant_type") != "client_credentials":
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        return web.json_response(
            {
                "token_type": "Bearer",
                "expires_in": 3600,
                "access_token": f"bot-token-{uuid.uuid4()}",
            }
        )

    def rotate(self, *, keep_old: bool = False) -> SigningKey:
        """Publish a new signing key (a rotation); the old one stays only if `keep_old`."""
        new = SigningKey(f"key-{len(self.keys) + 1}", _rsa_key(len(self.keys)))
        self.keys = [*self.keys, new] if keep_old else [new]
        return new

    def token(
        self,
        *,
        app_id: str,
        service_url: str | None,
        key: SigningKey | None = None,
        kid: str | None = None,
        algorithm: str = "RS256",
        issuer: str = BOT_FRAMEWORK_ISSUER,
        audience: str | None = None,
        issued_at: datetime | None = None,
        lifetime: timedelta = timedelta(hours=1),
        extra: dict[str, Any] | None = None,
        headers: dict[str, Any] | None = None,
    ) -> str:
        """A Bot Framework channel token (as Teams sends), signed by our key unless told."""
        signing = key or self.keys[-1]
        now = issued_at or self.clock.now()
        claims: dict[str, Any] = {
            "iss": issuer,
            "aud": audience if audience is not None else app_id,
            "nbf": int(now.timestamp()),
            "exp": int((now + lifetime).timestamp()),
        }
        if service_url is not None:
            claims["serviceurl"] = service_url
        claims.update(extra or {})
        header = {"kid": kid if kid is not None else signing.kid, **(headers or {})}
        if algorithm == "none":
            return jwt.encode(claims, None, algorithm="none", headers=header)
        return jwt.encode(claims, signing.private, algorithm=algorithm, headers=header)
