"""The document containers the app uses, with their partition keys and default TTLs.

This table is the single source for the Cosmos DB containers (``infra/`` is checked against it by a
test) and for the embedded store. The first six keep the seed's partition keys.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Container:
    name: str
    partition_key: str  # a top-level field name, written "/field" in Cosmos
    default_ttl: int | None = None  # seconds; None = items live until deleted, -1 = per-item ttl only

    @property
    def partition_path(self) -> str:
        return f"/{self.partition_key}"


CONTAINERS: dict[str, Container] = {
    c.name: c
    for c in (
        Container("users", "id"),
        Container("patients", "patient_id"),
        Container("sessions", "user_id", default_ttl=-1),
        Container("transcripts", "session_id"),
        Container("training", "type", default_ttl=-1),
        Container("models", "version"),
        Container("practices", "practice_id"),
        Container("appointments", "practice_id"),
        Container("audit", "practice_id"),
        Container("tokens", "user_id", default_ttl=-1),
        Container("idempotency", "scope", default_ttl=-1),
        Container("login_throttle", "key", default_ttl=-1),
        Container("messages", "practice_id"),
    )
}


def container(name: str) -> Container:
    try:
        return CONTAINERS[name]
    except KeyError:
        raise KeyError(f"unknown container {name!r}") from None
