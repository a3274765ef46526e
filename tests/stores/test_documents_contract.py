"""One contract for every document store: the embedded SQLite store and Cosmos DB (local server).

Each test gets a fresh store from ``open_documents`` (the factory the app uses): an empty SQLite
file, or a fresh Cosmos database on the session's Cosmos DB server.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path

import pytest

from reddytalk.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from reddytalk.settings import Settings
from reddytalk.stores import open_documents
from reddytalk.stores.documents.base import AnyOf, DocumentStore, PatchOp, Prefix, Query, Range
from reddytalk.stores.documents.embedded import EmbeddedDocumentStore

StoreFactory = Callable[[], DocumentStore]


@pytest.fixture(params=["embedded", pytest.param("cosmos", marks=pytest.mark.azure)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "embedded":
        return Settings.from_env(
            {"DOCUMENTS_CONNECTION": f"UseEmbeddedStorage=true;Path={tmp_path}/docs.sqlite3"}
        )
    conn = request.getfixturevalue("cosmos_server")
    return Settings.from_env(
        {"DOCUMENTS_CONNECTION": conn, "DOCUMENTS_DATABASE": f"t{uuid.uuid4().hex[:12]}"}
    )


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[DocumentStore]:
    docs = open_documents(settings)
    yield docs
    await docs.close()


def appt(i: int, practice: str = "p1", **extra: object) -> dict[str, object]:
    return {
        "id": f"a{i:02d}",
        "practice_id": practice,
        "start": f"2026-03-{i + 1:02d}T09:00:00Z",
        "status": "booked" if i % 2 == 0 else "cancelled",
        "slot": i,
        "provider": {"id": f"dr{i % 3}", "name_lc": f"doctor {i % 3}"},
        **extra,
    }


async def test_create_read_replace_delete(store: DocumentStore) -> None:
    created = await store.create("appointments", appt(1))
    assert created["id"] == "a01"
    assert created["_etag"] and isinstance(created["_ts"], int)
    read = await store.read("appointments", "a01", "p1")
    assert read["status"] == "cancelled"
    assert read["provider"] == {"id": "dr1", "name_lc": "doctor 1"}
    assert read["_etag"] == created["_etag"]

    read["status"] = "booked"
    replaced = await store.replace("appointments", read, etag=read["_etag"])
    assert replaced["_etag"] != created["_etag"]
    assert (await store.read("appointments", "a01", "p1"))["status"] == "booked"

    await store.delete("appointments", "a01", "p1")
    with pytest.raises(NotFound):
        await store.read("appointments", "a01", "p1")


async def test_create_duplicate_is_a_conflict(store: DocumentStore) -> None:
    await store.create("appointments", appt(1))
    with pytest.raises(Conflict) as info:
        await store.create("appointments", appt(1, status="other"))
    assert not isinstance(info.value, PreconditionFailed)
    assert (await store.read("appointments", "a01", "p1"))["status"] == "cancelled"


async def test_same_id_in_another_partition_is_a_different_document(store: DocumentStore) -> None:
    await store.create("appointments", appt(1, "p1"))
    await store.create("appointments", appt(1, "p2", status="x"))
    assert (await store.read("appointments", "a01", "p2"))["status"] == "x"
    with pytest.raises(NotFound):
        await store.read("appointments", "a01", "p3")


async def test_missing_documents_raise_not_found(store: DocumentStore) -> None:
    with pytest.raises(NotFound):
        await store.read("appointments", "nope", "p1")
    with pytest.raises(NotFound):
        await store.replace("appointments", appt(9))
    with pytest.raises(NotFound):
        await store.delete("appointments", "nope", "p1")
    with pytest.raises(NotFound):
        await store.patch("appointments", "nope", "p1", [PatchOp("set", "/status", "x")])


async def test_stale_etag_write_fails_and_keeps_the_winner(store: DocumentStore) -> None:
    first = await store.create("appointments", appt(1))
    winner = await store.replace("appointments", {**first, "status": "moved"}, etag=first["_etag"])
    with pytest.raises(PreconditionFailed):
        await store.replace("appointments", {**first, "status": "lost"}, etag=first["_etag"])
    with pytest.raises(PreconditionFailed):
        await store.upsert("appointments", {**first, "status": "lost"}, etag=first["_etag"])
    with pytest.raises(PreconditionFailed):
        await store.patch(
            "appointments", "a01", "p1", [PatchOp("set", "/status", "lost")], etag=first["_etag"]
        )
    with pytest.raises(PreconditionFailed):
        await store.delete("appointments", "a01", "p1", etag=first["_etag"])
    current = await store.read("appointments", "a01", "p1")
    assert current["status"] == "moved"
    assert current["_etag"] == winner["_etag"]
    await store.delete("appointments", "a01", "p1", etag=winner["_etag"])


async def test_upsert_creates_then_replaces(store: DocumentStore) -> None:
    one = await store.upsert("appointments", appt(1))
    two = await store.upsert("appointments", {**appt(1), "status": "moved"}, etag=one["_etag"])
    assert two["status"] == "moved"
    assert await store.count("appointments", Query()) == 1


async def test_patch_operations(store: DocumentStore) -> None:
    await store.create("appointments", appt(1, tags=["a"], reminders=1))
    patched = await store.patch(
        "appointments",
        "a01",
        "p1",
        [
            PatchOp("set", "/status", "confirmed"),
            PatchOp("incr", "/reminders", 2),
            PatchOp("add", "/tags/1", "b"),
            PatchOp("set", "/provider/room", "3B"),
            PatchOp("remove", "/slot"),
        ],
    )
    assert patched["status"] == "confirmed"
    assert patched["reminders"] == 3
    assert patched["tags"] == ["a", "b"]
    assert patched["provider"]["room"] == "3B"
    assert "slot" not in patched
    assert await store.read("appointments", "a01", "p1") == patched


async def test_patch_refuses_keys_and_bad_paths(store: DocumentStore) -> None:
    await store.create("appointments", appt(1))
    with pytest.raises(ValidationFailed):
        await store.patch("appointments", "a01", "p1", [PatchOp("set", "/practice_id", "p2")])
    with pytest.raises(ValidationFailed):
        await store.patch("appointments", "a01", "p1", [PatchOp("remove", "/nothing/here")])


async def seed(store: DocumentStore, n: int = 10) -> None:
    for i in range(n):
        await store.create("appointments", appt(i, "p1" if i < 7 else "p2"))


async def ids(store: DocumentStore, query: Query) -> list[str]:
    return [d["id"] for d in (await store.query("appointments", query)).items]


async def test_query_by_equality_nested_field_and_partition(store: DocumentStore) -> None:
    await seed(store)
    assert sorted(await ids(store, Query(where={"status": "booked"}))) == ["a00", "a02", "a04", "a06", "a08"]
    assert sorted(await ids(store, Query(where={"provider.id": "dr1"}))) == ["a01", "a04", "a07"]
    assert sorted(await ids(store, Query(partition_key="p2"))) == ["a07", "a08", "a09"]
    assert sorted(await ids(store, Query(where={"status": "booked"}, partition_key="p2"))) == ["a08"]
    assert await ids(store, Query(where={"slot": "3"})) == []  # types must match
    assert await ids(store, Query(where={"slot": 3})) == ["a03"]


async def test_query_prefix_range_anyof_and_order(store: DocumentStore) -> None:
    await seed(store)
    by_prefix = await ids(store, Query(where={"provider.name_lc": Prefix("doctor 2")}, order_by="slot"))
    assert by_prefix == ["a02", "a05", "a08"]
    window = Range(gte="2026-03-03T00:00:00Z", lt="2026-03-06T00:00:00Z")
    assert await ids(store, Query(where={"start": window}, order_by="start")) == ["a02", "a03", "a04"]
    assert await ids(store, Query(where={"slot": Range(gte=8)}, order_by="slot", descending=True)) == [
        "a09",
        "a08",
    ]
    assert await ids(store, Query(where={"slot": Range(lt=2)}, order_by="slot")) == ["a00", "a01"]
    any_of = Query(where={"provider.id": AnyOf(("dr0", "dr2"))}, order_by="slot", descending=True)
    assert await ids(store, any_of) == ["a09", "a08", "a06", "a05", "a03", "a02", "a00"]
    assert await ids(store, Query(where={"provider.id": AnyOf(())})) == []


async def walk(store: DocumentStore, query: Query) -> list[str]:
    """Every id of ``query``, page by page, checking the page size and that paging ends."""
    seen: list[str] = []
    token: str | None = None
    for _ in range(20):
        page = await store.query("appointments", replace(query, continuation=token))
        assert query.limit is not None and len(page.items) <= query.limit
        seen.extend(d["id"] for d in page.items)
        token = page.continuation
        if token is None:
            return seen
    raise AssertionError("paging did not end")


async def test_pagination_walks_every_item_once_in_order(store: DocumentStore) -> None:
    await seed(store)
    everything = [f"a{i:02d}" for i in range(10)]
    assert await walk(store, Query(order_by="slot", limit=3)) == everything  # across partitions
    assert await walk(store, Query(order_by="slot", descending=True, limit=4)) == everything[::-1]
    assert await walk(store, Query(partition_key="p1", order_by="slot", limit=2)) == everything[:7]
    unordered = await walk(store, Query(limit=3))
    assert sorted(unordered) == everything
    assert len(await walk(store, Query(partition_key="p2", limit=1))) == 3


async def test_bad_continuation_token_is_refused(store: DocumentStore) -> None:
    await seed(store, 3)
    with pytest.raises(ValidationFailed):
        await store.query("appointments", Query(order_by="slot", limit=1, continuation="not-a-token"))


async def test_count(store: DocumentStore) -> None:
    await seed(store)
    assert await store.count("appointments", Query()) == 10
    assert await store.count("appointments", Query(where={"status": "booked"})) == 5
    assert await store.count("appointments", Query(partition_key="p2")) == 3


async def test_ttl_documents_expire(store: DocumentStore) -> None:
    await store.create("sessions", {"id": "s-short", "user_id": "u1", "ttl": 2})
    await store.create("sessions", {"id": "s-forever", "user_id": "u1", "ttl": -1})
    await store.create("sessions", {"id": "s-default", "user_id": "u1"})
    assert await store.count("sessions", Query(partition_key="u1")) == 3
    assert (await store.read("sessions", "s-short", "u1"))["ttl"] == 2
    await asyncio.sleep(2.2)
    with pytest.raises(NotFound):
        await store.read("sessions", "s-short", "u1")
    remaining = await store.query("sessions", Query(partition_key="u1", order_by="id"))
    assert [d["id"] for d in remaining.items] == ["s-default", "s-forever"]
    assert await store.count("sessions", Query(partition_key="u1")) == 2


async def test_ttl_is_ignored_where_the_container_has_none(store: DocumentStore) -> None:
    await store.create("patients", {"id": "x1", "patient_id": "x1", "ttl": 1})
    assert (await store.read("patients", "x1", "x1"))["id"] == "x1"


async def test_bad_input_is_refused_before_writing(store: DocumentStore) -> None:
    with pytest.raises(ValidationFailed):
        await store.create("appointments", {"id": "a1"})  # no partition key
    with pytest.raises(ValidationFailed):
        await store.create("appointments", {"id": "a/1", "practice_id": "p1"})
    with pytest.raises(ValidationFailed):
        await store.create("appointments", {"id": "a1", "practice_id": "p1", "when": object()})
    with pytest.raises(ValidationFailed):
        await store.create("nonsense", {"id": "a1"})
    with pytest.raises(ValidationFailed):
        await store.query("appointments", Query(where={"x') OR 1=1 --": 1}))
    with pytest.raises(ValidationFailed):
        await store.query("appointments", Query(order_by="slot; DROP"))
    assert await store.count("appointments", Query()) == 0


async def test_system_fields_are_not_stored_from_input(store: DocumentStore) -> None:
    doc = await store.create("appointments", {**appt(1), "_etag": "forged", "_ts": 1})
    assert doc["_etag"] != "forged"
    assert doc["_ts"] > 1_700_000_000


async def test_concurrent_patches_all_apply_or_fail_cleanly(store: DocumentStore) -> None:
    await store.create("appointments", appt(1, counter=0))
    results = await asyncio.gather(
        *(store.patch("appointments", "a01", "p1", [PatchOp("incr", "/counter", 1)]) for _ in range(10))
    )
    assert len(results) == 10
    assert (await store.read("appointments", "a01", "p1"))["counter"] == 10


async def test_embedded_store_persists_across_reopen(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"DOCUMENTS_CONNECTION": f"UseEmbeddedStorage=true;Path={tmp_path}/d.sqlite3"}
    )
    first = open_documents(settings)
    created = await first.create("patients", {"id": "pt1", "patient_id": "pt1", "name_lc": "x"})
    await first.close()
    second = open_documents(settings)
    try:
        again = await second.read("patients", "pt1", "pt1")
        assert again["_etag"] == created["_etag"]
    finally:
        await second.close()


def _create_from_another_process(path: str, worker: int) -> None:
    async def main() -> None:
        store = EmbeddedDocumentStore(path)
        for i in range(25):
            await store.create("appointments", appt(i, f"w{worker}"))
        await store.close()

    asyncio.run(main())


async def test_embedded_store_is_safe_across_threads_and_processes(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    store = EmbeddedDocumentStore(path)
    await store.create("appointments", appt(0, "t", counter=0))

    def bump() -> None:
        for _ in range(20):
            while True:
                current = asyncio.run(store.read("appointments", "a00", "t"))
                try:
                    asyncio.run(
                        store.replace(
                            "appointments",
                            {**current, "counter": current["counter"] + 1},
                            etag=current["_etag"],
                        )
                    )
                    break
                except PreconditionFailed:
                    continue  # lost the race: read again

    threads = [threading.Thread(target=bump) for _ in range(4)]
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_create_from_another_process, args=(str(path), w)) for w in range(2)]
    for p in procs:
        p.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    try:
        assert (await store.read("appointments", "a00", "t"))["counter"] == 80  # no lost update
        assert await store.count("appointments", Query(partition_key="w0")) == 25
        assert await store.count("appointments", Query(partition_key="w1")) == 25
    finally:
        await store.close()


async def test_null_and_boolean_equality_match_only_their_own_type(store: DocumentStore) -> None:
    await store.create("appointments", appt(1, confirmed=True, note=None))
    await store.create("appointments", appt(2, confirmed=1))
    await store.create("appointments", appt(3, confirmed=False))
    assert await ids(store, Query(where={"confirmed": True})) == ["a01"]
    assert await ids(store, Query(where={"confirmed": 1})) == ["a02"]
    assert await ids(store, Query(where={"confirmed": False})) == ["a03"]
    assert await ids(store, Query(where={"note": None})) == ["a01"]  # a missing field is not null
