"""The document containers the app uses, with their partition keys, default TTLs and indexes.

This table is the single source for the Cosmos DB containers (``infra/`` is checked against it by a
test) and for the embedded store. The first six keep the seed's partition keys.

``indexes`` declares composite indexes for the queries a container must answer fast: the fields a
query compares for equality, then the one field it ranges over (``Prefix``/``Range``) or sorts by.
The embedded store builds them as SQLite expression indexes; Cosmos DB indexes every path already,
and gets them as composite indexes in its indexing policy (``cosmos_indexing_policy``), which a
query needs when it filters on some fields and sorts by another.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Index = tuple[str, ...]  # (dotted) field paths: equality fields first, then the range/sort field

# The staff patient search (``reddytalk/patients/service.py``): one practice's patients by last-name
# prefix, date of birth or phone, sorted by last name. Name and date of birth together use the
# second index (equality on dob, range on the name).
PATIENT_SEARCH_INDEXES: tuple[Index, ...] = (
    ("practice_id", "kind", "last_name_lc"),
    ("practice_id", "kind", "dob", "last_name_lc"),
    ("practice_id", "kind", "phone", "last_name_lc"),
)


@dataclass(frozen=True)
class Container:
    name: str
    partition_key: str  # a top-level field name, written "/field" in Cosmos
    default_ttl: int | None = None  # seconds; None = items live until deleted, -1 = per-item ttl only
    indexes: tuple[Index, ...] = ()

    @property
    def partition_path(self) -> str:
        return f"/{self.partition_key}"


def cosmos_indexing_policy(box: Container) -> dict[str, Any]:
    """The Cosmos DB indexing policy of ``box``: Azure's default (every path, consistent) plus its
    composite indexes, ascending (Cosmos serves the descending sort from the same index)."""
    return {
        "indexingMode": "consistent",
        "automatic": True,
        "includedPaths": [{"path": "/*"}],
        "excludedPaths": [{"path": '/"_etag"/?'}],
        "compositeIndexes": [
            [{"path": "/" + field.replace(".", "/"), "order": "ascending"} for field in index]
            for index in box.indexes
        ],
    }


CONTAINERS: dict[str, Container] = {
    c.name: c
    for c in (
        Container("users", "id"),
        Container("patients", "patient_id", indexes=PATIENT_SEARCH_INDEXES),
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
