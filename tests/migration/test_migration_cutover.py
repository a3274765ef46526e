"""Cutover freezes legacy writes and switches; rollback writes back everything done after cutover."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from reddytalk.migration import state
from reddytalk.migration.cutover import cutover, rollback
from reddytalk.migration.load import LoadOptions, full_load
from reddytalk.migration.sync import Syncer
from reddytalk.migration.transform import Converter
from reddytalk.migration.validate import ValidateOptions, validate
from reddytalk.migration.writer import Writer
from reddytalk.stores.documents.base import DocumentStore, Query

from .conftest import PART_BYTES

pytestmark = pytest.mark.postgres
OPTS = LoadOptions(batch_rows=100, batch_sessions=40, max_part_bytes=PART_BYTES, progress=False)
CHECK = ValidateOptions(sample=10, max_part_bytes=PART_BYTES, seed=3)


async def test_cutover_then_rollback_loses_nothing_written_after_cutover(
    legacy: state.Conn,
    legacy_dsn: str,
    reader: state.Conn,
    writer: Writer,
    conv: Converter,
    store: DocumentStore,
    tmp_path: Path,
) -> None:
    switch = tmp_path / "switch.json"
    await full_load(legacy, reader, writer, conv, OPTS)
    counts_before = await _counts(legacy)
    await legacy.execute("UPDATE patients SET notes = 'written before cutover' WHERE id = 7")
    syncer = Syncer(legacy, writer, conv, max_part_bytes=PART_BYTES)
    done = await cutover(legacy, syncer, conv, switch, CHECK)
    assert done.ok, done.problems
    assert json.loads(switch.read_text()) == [
        {"name": "DATA_SYSTEM_OF_RECORD", "value": "documents", "slotSetting": False}
    ]
    assert "final_sync_s" in done.details["timings_s"]
    assert (await store.read("patients", "7", "7"))["notes"] == "written before cutover"
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        await legacy.execute("UPDATE patients SET notes = 'too late' WHERE id = 8")

    # The new system takes writes after cutover.
    p3 = await store.read("patients", "3", "3")
    await store.upsert(
        "patients", {**p3, "phone": "+1 555 0100", "updated_at": "2026-11-26T08:00:00.000000Z"}
    )
    await store.delete("patients", "4", "4")
    await store.upsert(
        "patients",
        {
            "id": "web-1",
            "patient_id": "web-1",
            "first_name": "Nia",
            "last_name": "Okoye",
            "date_of_birth": "1988-04-05",
        },
    )
    transcripts = await store.query("transcripts", Query(where={"part": 0}, limit=1))
    part = transcripts.items[0]
    new_line = {
        "line_id": "web-line-1",
        "speaker": "assistant",
        "text": "See you Tuesday.",
        "confidence": None,
        "timestamp": "2026-11-26T08:01:00.000000Z",
    }
    await store.upsert(
        "transcripts", {**part, "lines": [*part["lines"], new_line], "line_count": part["line_count"] + 1}
    )

    back = await rollback(legacy, syncer, conv, switch)
    assert back.ok, back.problems
    assert json.loads(switch.read_text())[0]["value"] == "legacy"
    assert back.tables["patients"] == {"written_back": 2, "deleted": 1, "rekeyed": 1}
    assert back.tables["call_transcripts"]["written_back"] == 1
    assert back.tables["call_sessions"] == {"written_back": 0, "deleted": 0, "rekeyed": 0}
    assert back.details["timings_s"]["total_s"] < 300

    rows = await (await legacy.execute("SELECT id, phone FROM patients WHERE id IN (3, 4)")).fetchall()
    assert rows == [{"id": 3, "phone": "+1 555 0100"}]
    mapped = await (
        await legacy.execute("SELECT legacy_id FROM reddytalk_migration.id_map WHERE doc_id = 'web-1'")
    ).fetchone()
    assert mapped is not None
    nia = await (
        await legacy.execute(
            "SELECT first_name, date_of_birth::text AS dob FROM patients WHERE id = %s",
            (int(mapped["legacy_id"]),),
        )
    ).fetchone()
    assert nia == {"first_name": "Nia", "dob": "1988-04-05"}
    line = await (
        await legacy.execute(
            "SELECT session_id::text AS s, text FROM call_transcripts WHERE text = 'See you Tuesday.'"
        )
    ).fetchone()
    assert line == {"s": part["session_id"], "text": "See you Tuesday."}
    # Nothing else changed: quarantined rows (never in the store) were not mistaken for deletions.
    assert await _counts(legacy) == {
        **counts_before,
        "call_transcripts": counts_before["call_transcripts"] + 1,
    }
    # Legacy writes work again, and the store mirrors the legacy data (parallel running resumes).
    await legacy.execute("UPDATE patients SET notes = 'after rollback' WHERE id = 8")
    await syncer.drain()
    checked = await validate(legacy, store, conv, CHECK)
    assert checked.ok, checked.problems


@pytest.mark.parametrize("target", ["embedded"], indirect=True)  # store-independent logic
async def test_cutover_aborts_and_unfreezes_when_validation_fails(
    legacy: state.Conn,
    reader: state.Conn,
    writer: Writer,
    conv: Converter,
    store: DocumentStore,
    tmp_path: Path,
) -> None:
    await full_load(legacy, reader, writer, conv, OPTS)
    await store.delete("users", "2", "2")  # the store lost a document the log knows nothing about
    done = await cutover(
        legacy, Syncer(legacy, writer, conv, max_part_bytes=PART_BYTES), conv, tmp_path / "s.json", CHECK
    )
    assert not done.ok
    assert not (tmp_path / "s.json").exists()
    assert (await state.control(legacy))["frozen"] is False
    await legacy.execute("UPDATE patients SET notes = 'still writable' WHERE id = 8")


async def _counts(conn: state.Conn) -> dict[str, int]:
    out = {}
    for table in (
        "users",
        "patients",
        "call_sessions",
        "call_transcripts",
        "training_data",
        "model_versions",
    ):
        row = await (await conn.execute(f"SELECT count(*) AS n FROM {table}")).fetchone()
        assert row is not None
        out[table] = int(row["n"])
    return out
