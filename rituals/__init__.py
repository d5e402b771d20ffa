"""Governance rituals: definitions, the scheduler and delivery through an outbox."""
