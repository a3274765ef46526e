"""Parallel run: legacy writers insert, update and delete while ``sync --follow`` runs; then 100 %."""

from __future__ import annotations

import asyncio
import random
import uuid

import pytest

from reddytalk.migration import state
from reddytalk.migration.load import LoadOptions, full_load
from reddytalk.migration.sync import Syncer
from reddytalk.migration.transform import Converter
from reddytalk.migration.validate import ValidateOptions, validate
from reddytalk.migration.writer import Writer
from reddytalk.stores.documents.base import DocumentStore, Query

from .conftest import PART_BYTES

pytestmark = pytest.mark.postgres
OPTS = LoadOptions(batch_rows=100, batch_sessions=40, max_part_bytes=PART_BYTES, progress=False)
CHECK = ValidateOptions(sample=10, max_part_bytes=PART_BYTES, seed=2)


async def _legacy_app(dsn: str, seed: int, stop: asyncio.Event) -> int:
    """One legacy app connection doing a random mix of writes until told to stop."""
    rng = random.Random(seed)
    writes = 0
    conn = await state.connect(dsn)
    try:
        while not stop.is_set():
            action = rng.randrange(9)
            if action == 0:
                await conn.execute(
                    "INSERT INTO patients (first_name, last_name, date_of_birth) VALUES ('New', %s, '1990-01-02')",
                    (f"P{rng.randrange(1000)}",),
                )
            elif action == 1:
                await conn.execute(
                    "UPDATE patients SET phone = %s, updated_at = now() WHERE id = %s",
                    (f"555-{rng.randrange(10000):04d}", rng.randrange(1, 200)),
                )
            elif action == 2:
                await conn.execute("DELETE FROM patients WHERE id = %s", (rng.randrange(1, 200),))
            elif action == 3:
                await conn.execute(
                    "INSERT INTO call_sessions (id, user_id, status, started_at) VALUES (%s, %s, 'active', now())",
                    (uuid.uuid4(), rng.randrange(1, 6)),
                )
            elif action == 4:  # moves a session to another partition (user)
                await conn.execute(
                    "UPDATE call_sessions SET user_id = %s WHERE id = (SELECT id FROM call_sessions "
                    "ORDER BY random() LIMIT 1)",
                    (rng.randrange(1, 6),),
                )
            elif action == 5:
                await conn.execute(
                    'INSERT INTO call_transcripts (session_id, speaker, text, "timestamp") '
                    "SELECT id, 'caller', 'more words', now()::timestamp FROM call_sessions ORDER BY random() LIMIT 1"
                )
            elif action == 6:
                await conn.execute(
                    "DELETE FROM call_transcripts WHERE id = (SELECT id FROM call_transcripts ORDER BY random() LIMIT 1)"
                )
            elif action == 7:  # partition change in training
                await conn.execute(
                    "UPDATE training_data SET type = %s WHERE id = %s",
                    (rng.choice(["intent", "faq", ""]), rng.randrange(1, 10)),
                )
            else:
                async with conn.transaction():
                    await conn.execute(
                        "UPDATE users SET last_login = now()::timestamp WHERE id = %s", (rng.randrange(1, 6),)
                    )
                    await conn.execute(
                        "INSERT INTO model_versions (version, model_type) VALUES (%s, 'intent')",
                        (f"v2.{rng.randrange(100)}",),
                    )
            writes += 1
            await asyncio.sleep(0.002)
    finally:
        await conn.close()
    return writes


async def test_sync_follows_concurrent_writers_to_100_percent(
    legacy: state.Conn,
    legacy_dsn: str,
    reader: state.Conn,
    writer: Writer,
    conv: Converter,
    store: DocumentStore,
) -> None:
    await full_load(legacy, reader, writer, conv, OPTS)
    syncer = Syncer(legacy, writer, conv, batch=200, max_part_bytes=PART_BYTES)
    stop_sync, stop_apps = asyncio.Event(), asyncio.Event()
    follower = asyncio.create_task(syncer.follow(stop_sync, poll_s=0.05))
    apps = [asyncio.create_task(_legacy_app(legacy_dsn, seed, stop_apps)) for seed in range(3)]
    await asyncio.sleep(2.5)
    # A user disappears mid-run: its sessions (and their transcripts) become orphans.
    conn = await state.connect(legacy_dsn)
    await conn.execute("DELETE FROM users WHERE id = 4")
    await conn.close()
    await asyncio.sleep(0.5)
    stop_apps.set()
    writes = sum(await asyncio.gather(*apps))
    await asyncio.sleep(0.3)
    stop_sync.set()
    await follower
    await syncer.drain()
    assert writes > 50
    assert (
        syncer.stats.changes > 50
    )  # (writes that touch no row, e.g. deleting a deleted patient, log nothing)
    pending, _ = await syncer.pending()
    assert pending == 0
    checked = await validate(legacy, store, conv, CHECK)
    assert checked.ok, checked.problems
    assert checked.tables["call_sessions"]["quarantine_reasons"]["orphan_user"] > 0
    summary = syncer.stats.summary()
    assert summary["lag_ms_p95"] is not None


async def test_sync_quarantines_bad_rows_and_releases_them_when_fixed(
    legacy: state.Conn, reader: state.Conn, writer: Writer, conv: Converter, store: DocumentStore
) -> None:
    await full_load(legacy, reader, writer, conv, OPTS)
    await legacy.execute("INSERT INTO patients (id, first_name, last_name) VALUES (5000, NULL, ' ')")
    await legacy.execute(
        "INSERT INTO call_sessions (id, user_id, patient_id) VALUES ('00000000-0000-4000-8000-000000000001', 1, 5000)"
    )
    await legacy.execute(
        "INSERT INTO call_transcripts (id, session_id, speaker, text) "
        "VALUES (900001, '00000000-0000-4000-8000-000000000001', 'caller', 'hello')"
    )
    await legacy.execute("INSERT INTO model_versions (id, version) VALUES (500, 'bad/version')")
    syncer = Syncer(legacy, writer, conv, max_part_bytes=PART_BYTES)
    await syncer.drain()
    quarantine = await state.quarantine_map(legacy, "patients")
    assert quarantine["5000"] == "no_name"
    assert (await state.quarantine_map(legacy, "call_sessions"))[
        "00000000-0000-4000-8000-000000000001"
    ] == "orphan_patient"
    assert (await state.quarantine_map(legacy, "call_transcripts"))["900001"] == "session_quarantined"
    assert (await state.quarantine_map(legacy, "model_versions"))["500"] == "invalid_for_store"
    assert (await validate(legacy, store, conv, CHECK)).ok

    # Fixing the patient releases it, and through it the session and its transcript.
    await legacy.execute("UPDATE patients SET first_name = 'Fixed' WHERE id = 5000")
    await syncer.drain()
    assert "5000" not in await state.quarantine_map(legacy, "patients")
    assert "900001" not in await state.quarantine_map(legacy, "call_transcripts")
    doc = await store.read(
        "transcripts", "00000000-0000-4000-8000-000000000001.0", "00000000-0000-4000-8000-000000000001"
    )
    assert [line["text"] for line in doc["lines"]] == ["hello"]
    assert (await validate(legacy, store, conv, CHECK)).ok


async def test_sync_removes_parts_a_shrinking_transcript_no_longer_needs(
    legacy: state.Conn, reader: state.Conn, writer: Writer, conv: Converter, store: DocumentStore
) -> None:
    await full_load(legacy, reader, writer, conv, OPTS)
    row = await (
        await legacy.execute(
            "SELECT session_id::text AS s, count(*) AS n FROM call_transcripts WHERE session_id IS NOT NULL "
            "GROUP BY 1 ORDER BY 2 DESC LIMIT 1"
        )
    ).fetchone()
    assert row is not None
    session = row["s"]
    before = await store.query("transcripts", Query(where={"session_id": session}, partition_key=session))
    assert len(before.items) > 2  # the long transcript spans several parts
    await legacy.execute("DELETE FROM call_transcripts WHERE session_id = %s AND id %% 4 <> 0", (session,))
    await Syncer(legacy, writer, conv, max_part_bytes=PART_BYTES).drain()
    after = await store.query("transcripts", Query(where={"session_id": session}, partition_key=session))
    assert 0 < len(after.items) < len(before.items)
    assert sorted(d["part"] for d in after.items) == list(range(len(after.items)))
    assert (await validate(legacy, store, conv, CHECK)).ok
