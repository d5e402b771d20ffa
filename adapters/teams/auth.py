"""Verifies the Bot Framework JWT that Teams sends with every activity (signature, claims, alg)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from adapters.teams.keys import SigningKeySource, UnknownKey
from bot.ports import Clock

log = logging.getLogger(__name__)

ALLOWED_ALGORITHMS = ("RS256",)
MAX_TOKEN_CHARS = 8_000


class TokenRejected(Exception):
    """The request is not authenticated: answer 401."""


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    claims: dict[str, Any]
    token: str
    endorsements: tuple[str, ...] | None

    @property
    def service_url(self) -> str | None:
        value = self.claims.get("serviceurl") or self.claims.get("serviceUrl")
        return value if isinstance(value, str) else None


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header, or TokenRejected."""
    if not authorization:
        raise TokenRejected("missing Authorization header")
    parts = authorization.split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        raise TokenRejected("malformed Authorization header")
    if len(parts[1]) > MAX_TOKEN_CHARS:
        raise TokenRejected("oversized token")
    return parts[1]


def _timestamp(claims: dict[str, Any], name: str) -> datetime | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TokenRejected(f"malformed {name} claim")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as error:
        raise TokenRejected(f"malformed {name} claim") from error


class TokenVerifier:
    """Checks a token as the Bot Framework authentication spec requires.

    RS256 only (so `alg=none` and HMAC tricks fail), a key id known to the identity provider,
    a valid signature, an accepted issuer, our app id as audience, and exp / nbf against the
    injected clock with the usual 5-minute skew.
    """

    def __init__(
        self,
        keys: SigningKeySource,
        clock: Clock,
        *,
        app_id: str,
        issuers: tuple[str, ...],
        clock_skew_seconds: float,
    ) -> None:
        self._keys = keys
        self._clock = clock
        self._app_id = app_id
        self._issuers = issuers
        self._skew = timedelta(seconds=clock_skew_seconds)

    async def verify(self, authorization: str | None) -> VerifiedToken:
        """Raise TokenRejected (401) or KeysUnavailable (503); return the verified claims."""
        token = bearer_token(authorization)
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise TokenRejected("malformed token") from error
        if header.get("alg") not in ALLOWED_ALGORITHMS:
            raise TokenRejected(f"algorithm {header.get('alg')!r} refused")
        key_id = header.get("kid")
        if not isinstance(key_id, str) or not key_id:
            raise TokenRejected("token has no key id")
        try:
            signing_key = await self._keys.get(key_id)
        except UnknownKey as error:
            raise TokenRejected("unknown signing key") from error
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=signing_key.key.key,
                algorithms=list(ALLOWED_ALGORITHMS),
                audience=self._app_id,
                issuer=list(self._issuers),
                options={
                    "require": ["exp", "iss", "aud"],
                    "verify_exp": False,  # checked below against the injected clock
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError as error:
            raise TokenRejected(f"invalid token: {type(error).__name__}") from error
        now = self._clock.now()
        expires = _timestamp(claims, "exp")
        if expires is None or now > expires + self._skew:
            raise TokenRejected("expired token")
        not_before = _timestamp(claims, "nbf")
        if not_before is not None and now < not_before - self._skew:
            raise TokenRejected("token not valid yet")
        return VerifiedToken(claims=claims, token=token, endorsements=signing_key.endorsements)
