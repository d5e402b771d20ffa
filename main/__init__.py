"""Composition root: settings, wiring, the aiohttp server and the command line."""
