"""Governance rituals: definitions, the scheduler and delivery through an outbox."""

from rituals import texts as texts  # registers the "ritual.*" texts and the help topic
