"""Which Bot Connector service URLs the bot may talk to: an allow-list of hosts, https only."""

from __future__ import annotations

from yarl import URL

from adapters.teams.config import is_loopback_host


class ServiceUrlPolicy:
    """Allow-list of service URL hosts.

    "smba.trafficmanager.net" matches that host exactly; "*.botframework.com" matches its
    subdomains. URLs must be https, except loopback hosts listed explicitly (local tests).
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

    def is_allowed(self, url: str | None) -> bool:
        if not url:
            return False
        try:
            parsed = URL(url)
        except (ValueError, TypeError):
            return False
        host = (parsed.host or "").lower().rstrip(".")
        if not host or parsed.user or parsed.password:
            return False
        if parsed.scheme != "https" and not (parsed.scheme == "http" and is_loopback_host(host)):
            return False
        return host in self._exact or any(host.endswith(suffix) for suffix in self._suffixes)


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
