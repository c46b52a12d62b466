"""Benchmarks: each prints one JSON line of figures (see docs/benchmarks.md)."""
