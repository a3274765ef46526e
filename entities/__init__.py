"""Durable entities: small, serialized state (one call session per entity)."""
