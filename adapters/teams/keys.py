"""Bot Framework signing keys: OpenID metadata and JWKS fetched asynchronously, cached, single-flight."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import jwt
from yarl import URL

from adapters.teams.config import is_loopback_host
from bot.ports import Clock

log = logging.getLogger(__name__)

MAX_DOCUMENT_BYTES = 1024 * 1024
FAILURE_RETRY_SECONDS = 10.0
"""After a failed fetch, requests needing keys fail fast for this long instead of each waiting."""


class KeysUnavailable(Exception):
    """The identity provider's keys could not be fetched and none are cached."""


class UnknownKey(Exception):
    """No signing key has this id, even after a (rate-limited) refetch."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    key_id: str
    key: jwt.PyJWK
    endorsements: tuple[str, ...] | None
    """Channels this key may sign for (Bot Framework "endorsements"); None when unspecified."""


def _check_url(url: str, *, allow_loopback_http: bool) -> URL:
    parsed = URL(url)
    if parsed.scheme == "https" and parsed.host:
        return parsed
    if allow_loopback_http and parsed.scheme == "http" and is_loopback_host(parsed.host or ""):
        return parsed
    raise KeysUnavailable(f"refusing a non-https identity URL: {url}")


def _parse_keys(document: Any) -> dict[str, SigningKey]:
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise KeysUnavailable("JWKS document has no key list")
    keys: dict[str, SigningKey] = {}
    for entry in document["keys"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
            continue
        if entry.get("kty") != "RSA" or entry.get("use", "sig") != "sig":
            continue
        try:
            key = jwt.PyJWK(entry, algorithm="RS256")
        except (jwt.PyJWKError, ValueError, TypeError):
            log.warning("skipping an unusable signing key %s", entry.get("kid"))
            continue
        raw = entry.get("endorsements")
        endorsements = tuple(str(e) for e in raw) if isinstance(raw, list) else None
        keys[entry["kid"]] = SigningKey(entry["kid"], key, endorsements)
    if not keys:
        raise KeysUnavailable("JWKS document has no usable RSA signing key")
    return keys


class SigningKeySource:
    """Finds a signing key by id without ever blocking the event loop.

    Keys are fetched with aiohttp under a timeout, cached for `max_age`, fetched by one request
    at a time while others wait for the same result, and refetched when an unknown key id
    appears (signing-key rotation) at most once per `refetch_min_interval`.
    """

    def __init__(
        self,
        metadata_url: str,
        clock: Clock,
        *,
        timeout_seconds: float,
        max_age_seconds: float,
        refetch_min_interval_seconds: float,
    ) -> None:
        self._allow_loopback_http = is_loopback_host(URL(metadata_url).host or "")
        self._metadata_url = _check_url(metadata_url, allow_loopback_http=self._allow_loopback_http)
        self._clock = clock
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._max_age = timedelta(seconds=max_age_seconds)
        self._refetch_min_interval = timedelta(seconds=refetch_min_interval_seconds)
        self._keys: dict[str, SigningKey] = {}
        self._fetched_at: datetime | None = None
        self._last_attempt: datetime | None = None
        self._last_failure: datetime | None = None
        self._inflight: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self.fetch_count = 0

    async def close(self) -> None:
        if self._inflight is not None and not self._inflight.done():
            self._inflight.cancel()
            await asyncio.gather(self._inflight, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def get(self, key_id: str) -> SigningKey:
        now = self._clock.now()
        fresh = self._fetched_at is not None and now - self._fetched_at < self._max_age
        if fresh and key_id in self._keys:
            return self._keys[key_id]
        if fresh:
            # A key id we have not seen: maybe a rotation. Refetch, but not at every request.
            if (
                self._last_attempt is not None
                and now - self._last_attempt < self._refetch_min_interval
            ):
                raise UnknownKey(key_id)
        elif self._recently_failed(now) and key_id not in self._keys:
            raise KeysUnavailable("identity provider unreachable; retrying shortly")
        try:
            await self._refresh()
        except KeysUnavailable:
            if key_id in self._keys:  # stale but known: better than refusing every request
                log.warning("using stale signing keys: the identity provider is unreachable")
                return self._keys[key_id]
            raise
        if key_id in self._keys:
            return self._keys[key_id]
        raise UnknownKey(key_id)

    def _recently_failed(self, now: datetime) -> bool:
        return self._last_failure is not None and now - self._last_failure < timedelta(
            seconds=FAILURE_RETRY_SECONDS
        )

    async def _refresh(self) -> None:
        if self._inflight is None or self._inflight.done():
            self._inflight = asyncio.get_running_loop().create_task(self._fetch())
        # shield: a caller giving up (client disconnect) must not cancel the shared fetch
        await asyncio.shield(self._inflight)

    async def _fetch(self) -> None:
        self._last_attempt = self._clock.now()
        self.fetch_count += 1
        try:
            metadata = await self._get_json(self._metadata_url)
            jwks_uri = metadata.get("jwks_uri") if isinstance(metadata, dict) else None
            if not isinstance(jwks_uri, str):
                raise KeysUnavailable("OpenID metadata has no jwks_uri")
            url = _check_url(jwks_uri, allow_loopback_http=self._allow_loopback_http)
            keys = _parse_keys(await self._get_json(url))
        except KeysUnavailable:
            self._last_failure = self._clock.now()
            raise
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            self._last_failure = self._clock.now()
            log.warning("could not fetch Bot Framework signing keys: %s", type(error).__name__)
            raise KeysUnavailable(str(error) or type(error).__name__) from error
        self._keys = keys
        self._fetched_at = self._clock.now()
        self._last_failure = None
        log.info("fetched %d Bot Framework signing keys", len(keys))

    async def _get_json(self, url: URL) -> Any:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        async with self._session.get(url, allow_redirects=False) as response:
            if response.status != 200:
                raise KeysUnavailable(f"{url.host} answered {response.status}")
            body = await response.content.read(MAX_DOCUMENT_BYTES + 1)
            if len(body) > MAX_DOCUMENT_BYTES:
                raise KeysUnavailable(f"{url.host} sent an oversized document")
            return json.loads(body)
