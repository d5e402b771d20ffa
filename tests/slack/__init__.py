"""Tests of the Slack adapter: the real Bolt app over loopback, a fake Slack Web API."""
