"""Durable orchestrators: deterministic workflow code (no I/O, no clocks, no randomness)."""
