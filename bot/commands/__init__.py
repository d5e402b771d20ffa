"""Command handlers of the core, one module per command family."""
