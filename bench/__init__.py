"""Benchmarks of Boussole against the bare frameworks, side by side in one run (`python -m bench`)."""
