"""Tests of the Teams adapter, over loopback HTTP with the real Agents SDK endpoint."""
