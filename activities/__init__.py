"""Durable activities: the I/O steps of a call or job; idempotent because they run at least once."""
