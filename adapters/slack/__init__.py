"""Slack adapter: Bolt for Python on the project's aiohttp server (or Socket Mode).

Only the configuration is imported with the package: reading settings must not load Bolt. The
Bolt-backed parts are imported on first use (`from adapters.slack import SlackAdapter`)."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from adapters.slack.config import SlackConfig

if TYPE_CHECKING:
    from adapters.slack.adapter import SlackAdapter
    from adapters.slack.manifest import build_manifest, manifest_json
    from adapters.slack.messenger import SlackMessenger

__all__ = ["SlackAdapter", "SlackConfig", "SlackMessenger", "build_manifest", "manifest_json"]

_LAZY = {
    "SlackAdapter": "adapters.slack.adapter",
    "SlackMessenger": "adapters.slack.messenger",
    "build_manifest": "adapters.slack.manifest",
    "manifest_json": "adapters.slack.manifest",
}


def __getattr__(name: str) -> Any:
    """Import the Bolt-backed parts on first use: reading settings must not load Bolt."""
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
