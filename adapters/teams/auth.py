"""Verifies the Bot Framework JWT that Teams sends with every activity (signature, claims, alg)."""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from adapters.teams.keys import SigningKey, SigningKeySource, UnknownKey
from bot.ports import Clock

log = logging.getLogger(__name__)

ALLOWED_ALGORITHMS = ("RS256",)
MAX_TOKEN_CHARS = 8_000
VERIFIED_TOKENS_KEPT = 256
"""Tokens whose signature and claims were checked, remembered: Teams sends the same token with
every activity until it renews it (about an hour), and its RS256 check plus decoding were a
sixth of a turn's CPU. A remembered token still has its key looked up at each use (a key
gone from the provider's set, or replaced, means a full check again) and its exp / nbf read
against the clock."""


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
    injected clock with the usual 5-minute skew. A token that passed is remembered
    (`VERIFIED_TOKENS_KEPT`): seen again, only its key and its times are checked.
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
        self._verified: OrderedDict[str, tuple[str, SigningKey, dict[str, Any]]] = OrderedDict()

    async def verify(self, authorization: str | None) -> VerifiedToken:
        """Raise TokenRejected (401) or KeysUnavailable (503); return the verified claims."""
        token = bearer_token(authorization)
        remembered = await self._remembered(token)
        if remembered is not None:
            return remembered
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
        verified = self._in_time(token, signing_key, claims)
        self._verified[token] = (key_id, signing_key, claims)
        while len(self._verified) > VERIFIED_TOKENS_KEPT:
            self._verified.popitem(last=False)
        return verified

    async def _remembered(self, token: str) -> VerifiedToken | None:
        """The token checked earlier, if its key is still the provider's; None when it must
        be checked in full (never seen, or its key changed since)."""
        known = self._verified.get(token)
        if known is None:
            return None
        key_id, key, claims = known
        try:
            current = await self._keys.get(key_id)
        except UnknownKey as error:
            self._verified.pop(token, None)
            raise TokenRejected("unknown signing key") from error
        if current is not key:
            self._verified.pop(token, None)
            return None
        self._verified.move_to_end(token)
        return self._in_time(token, key, claims)

    def _in_time(self, token: str, key: SigningKey, claims: dict[str, Any]) -> VerifiedToken:
        """The verified token if the clock is within its exp / nbf (with the skew); a token
        found expired is forgotten."""
        now = self._clock.now()
        expires = _timestamp(claims, "exp")
        if expires is None or now > expires + self._skew:
            self._verified.pop(token, None)
            raise TokenRejected("expired token")
        not_before = _timestamp(claims, "nbf")
        if not_before is not None and now < not_before - self._skew:
            raise TokenRejected("token not valid yet")
        return VerifiedToken(claims=dict(claims), token=token, endorsements=key.endorsements)
