"""The PHI access audit log: identifiers only, append-only, listed newest first per practice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from reddytalk.audit import AuditLog
from reddytalk.errors import Conflict, ValidationFailed
from reddytalk.logs import request_id_var
from reddytalk.stores.documents.embedded import EmbeddedDocumentStore

ENTRY = {
    "actor_id": "staff-7",
    "practice_id": "pr-1",
    "action": "read",
    "resource_type": "patient",
    "resource_id": "pt-42",
    "purpose": "treatment",
    "outcome": "success",
}


@pytest.fixture
async def docs(tmp_path: Path) -> AsyncIterator[EmbeddedDocumentStore]:
    store = EmbeddedDocumentStore(tmp_path / "docs.sqlite3")
    yield store
    await store.close()


async def test_records_are_listed_newest_first_per_practice(docs: EmbeddedDocumentStore) -> None:
    audit = AuditLog(docs)
    await audit.record(**ENTRY)
    await audit.record(**{**ENTRY, "action": "update", "resource_id": "pt-43"})
    await audit.record(**{**ENTRY, "practice_id": "pr-2"})
    entries = await audit.list("pr-1")
    assert [e["action"] for e in entries] == ["update", "read"]
    assert entries[0]["time"] >= entries[1]["time"]
    assert entries[1]["time"].endswith("+00:00")
    assert {e["practice_id"] for e in entries} == {"pr-1"}
    assert [e["resource_id"] for e in await audit.list("pr-1", resource_id="pt-42")] == ["pt-42"]
    assert len(await audit.list("pr-2")) == 1
    assert len(await audit.list("pr-1", limit=1)) == 1


async def test_request_id_comes_from_the_request_context(docs: EmbeddedDocumentStore) -> None:
    audit = AuditLog(docs)
    token = request_id_var.set("req0123")
    try:
        await audit.record(**ENTRY)
    finally:
        request_id_var.reset(token)
    await audit.record(**ENTRY, request_id="req-explicit")
    assert sorted(e["request_id"] for e in await audit.list("pr-1")) == ["req-explicit", "req0123"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("resource_id", "Jane Doe"),
        ("resource_id", "1980-02-03"),
        ("resource_id", "(555) 123-4567"),
        ("actor_id", "jane.doe@example.com"),
        ("resource_id", "caller:jane@example.com"),
        ("purpose", "asked about her diabetes"),
        ("action", "READ"),
        ("outcome", ""),
    ],
)
async def test_values_that_may_be_phi_are_refused_and_not_echoed(
    docs: EmbeddedDocumentStore, field: str, value: str
) -> None:
    audit = AuditLog(docs)
    with pytest.raises(ValidationFailed) as info:
        await audit.record(**{**ENTRY, field: value})
    if value:
        assert value not in str(info.value)
    assert await audit.list("pr-1") == []


def test_the_log_offers_no_way_to_change_or_remove_entries() -> None:
    public = {name for name in dir(AuditLog) if not name.startswith("_")}
    assert public == {"record", "list"}


async def test_an_entry_cannot_be_overwritten_through_the_store_create_path(
    docs: EmbeddedDocumentStore,
) -> None:
    entry = await AuditLog(docs).record(**ENTRY)
    with pytest.raises(Conflict):
        await docs.create("audit", {**entry, "outcome": "denied"})
