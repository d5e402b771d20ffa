"""`python -m main` is the same as the `boussole` command."""

from main.cli import run

run()
