"""Slack adapter: Bolt for Python on the project's aiohttp server (or Socket Mode)."""

from adapters.slack.adapter import SlackAdapter
from adapters.slack.config import SlackConfig
from adapters.slack.manifest import build_manifest, manifest_json
from adapters.slack.messenger import SlackMessenger

__all__ = ["SlackAdapter", "SlackConfig", "SlackMessenger", "build_manifest", "manifest_json"]
