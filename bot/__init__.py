"""Boussole's channel-agnostic core: domain, commands, views, ports and i18n."""
