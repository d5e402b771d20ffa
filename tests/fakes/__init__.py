"""Fakes at the platform edge: local servers standing in for Microsoft and Slack."""
