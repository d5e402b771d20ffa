"""Which Bot Connector service URLs the bot may talk to: an allow-list of hosts, https only."""

from __future__ import annotations

from typing import Final

from yarl import URL

from adapters.teams.config import is_loopback_host

MEMO_CAPACITY: Final = 256
"""Decisions kept per service URL and per scheme and host (Teams uses a handful of regional
URLs; past this many, the others are decided again at each request)."""


class ServiceUrlPolicy:
    """Allow-list of service URL hosts.

    "smba.trafficmanager.net" matches that host exactly; "*.botframework.com" matches its
    subdomains. URLs must be https, except loopback hosts listed explicitly (local tests).
    A turn asks about its service URL three times (the activity, its client, its request):
    decisions are remembered, parsing and all.
    """

    def __init__(self, hosts: tuple[str, ...]) -> None:
        self._exact: set[str] = set()
        self._suffixes: set[str] = set()
        for host in hosts:
            name = host.strip().lower().rstrip(".")
            if name.startswith("*."):
                self._suffixes.add(name[1:])
            elif name:
                self._exact.add(name)
        self._by_url: dict[str, bool] = {}
        self._by_origin: dict[tuple[str, str], bool] = {}

    def is_allowed(self, url: str | None) -> bool:
        """Whether the service URL `url` (as an activity or a stored reference gives it) may
        be called."""
        if not url:
            return False
        decision = self._by_url.get(url)
        if decision is None:
            try:
                decision = self.allows(URL(url))
            except (ValueError, TypeError):
                decision = False
            _remember(self._by_url, url, decision)
        return decision

    def allows(self, url: URL) -> bool:
        """Whether a request to `url` (already parsed, as an outgoing request's) may go."""
        host = (url.host or "").lower().rstrip(".")
        if not host or url.user or url.password:
            return False
        origin = (url.scheme, host)
        decision = self._by_origin.get(origin)
        if decision is None:
            decision = self._decide(*origin)
            _remember(self._by_origin, origin, decision)
        return decision

    def _decide(self, scheme: str, host: str) -> bool:
        if scheme != "https" and not (scheme == "http" and is_loopback_host(host)):
            return False
        return host in self._exact or any(host.endswith(suffix) for suffix in self._suffixes)


def _remember[K](decisions: dict[K, bool], key: K, decision: bool) -> None:
    if len(decisions) < MEMO_CAPACITY:
        decisions[key] = decision


def same_service_host(first: str, second: str) -> bool:
    """True when two service URLs name the same scheme, host and port (as the SDK compares)."""
    try:
        a, b = URL(first), URL(second)
    except (ValueError, TypeError):
        return False
    return (
        a.scheme.lower() == b.scheme.lower()
        and (a.host or "").lower() == (b.host or "").lower()
        and a.port == b.port
    )
