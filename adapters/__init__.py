"""Platform adapters: console, Slack and Teams, each translating to and from the core."""
