"""Microsoft Teams adapter (Microsoft 365 Agents SDK): route, cards, proactive posts, app package."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from adapters.teams.config import TeamsConfig, TeamsConfigError, check_bind_host

if TYPE_CHECKING:
    from adapters.teams.adapter import TeamsAdapter
    from adapters.teams.messenger import TeamsMessenger
    from adapters.teams.package import build_package

__all__ = [
    "TeamsAdapter",
    "TeamsConfig",
    "TeamsConfigError",
    "TeamsMessenger",
    "build_package",
    "check_bind_host",
]

_LAZY = {
    "TeamsAdapter": "adapters.teams.adapter",
    "TeamsMessenger": "adapters.teams.messenger",
    "build_package": "adapters.teams.package",
}


def __getattr__(name: str) -> Any:
    """Import the SDK-backed parts on first use: reading settings must not load the SDK."""
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
