"""Full load then validate = 100 %, on both targets; re-running creates no duplicates."""

from __future__ import annotations

import pytest

from reddytalk.migration import state
from reddytalk.migration.load import LoadOptions, full_load
from reddytalk.migration.transform import Converter
from reddytalk.migration.validate import ValidateOptions, validate
from reddytalk.migration.writer import Writer
from reddytalk.stores.documents.base import DocumentStore, Query

from .conftest import PART_BYTES

pytestmark = pytest.mark.postgres
OPTS = LoadOptions(batch_rows=100, batch_sessions=40, max_part_bytes=PART_BYTES, progress=False)
CHECK = ValidateOptions(sample=10, max_part_bytes=PART_BYTES, seed=1)


async def test_full_load_then_validate_is_100_percent(
    legacy: state.Conn, reader: state.Conn, writer: Writer, conv: Converter, store: DocumentStore
) -> None:
    loaded = await full_load(legacy, reader, writer, conv, OPTS)
    assert loaded.ok
    assert loaded.tables["patients"]["rows"] == 150
    checked = await validate(legacy, store, conv, CHECK)
    assert checked.ok, checked.problems
    for name, row in checked.tables.items():
        assert row["matching_pct"] == 100.0, name
        assert row["source_rows"] == row["expected"] + row["quarantined"]
    # Quirks were exercised: something was quarantined, the long transcript was split into parts.
    assert checked.tables["call_sessions"]["quarantined"] > 0
    assert checked.tables["call_transcripts"]["quarantine_reasons"]["line_too_large"] == 1
    split = await store.query("transcripts", Query(where={"part": 1}, limit=10))
    assert split.items and split.items[0]["part_count"] > 1
    patient = await store.read("patients", "1", "1")
    assert patient["patient_id"] == "1"
    assert patient["created_at"].endswith("Z")

    before = await store.count("patients", Query())
    again = await full_load(legacy, reader, writer, conv, LoadOptions(**{**vars(OPTS), "restart": True}))
    assert again.ok
    assert await store.count("patients", Query()) == before
    rechecked = await validate(legacy, store, conv, CHECK)
    assert rechecked.ok, rechecked.problems


@pytest.mark.parametrize("target", ["embedded"], indirect=True)  # store-independent logic
async def test_validate_detects_a_changed_a_missing_and_an_extra_document(
    legacy: state.Conn, reader: state.Conn, writer: Writer, conv: Converter, store: DocumentStore
) -> None:
    await full_load(legacy, reader, writer, conv, OPTS)
    doc = await store.read("patients", "2", "2")
    await store.upsert("patients", {**doc, "phone": "000"})
    await store.delete("users", "3", "3")
    await store.upsert("models", {"id": "999", "version": "v9", "model_type": "asr"})
    checked = await validate(legacy, store, conv, CHECK)
    assert not checked.ok
    assert checked.tables["patients"]["differing"] == 1
    assert checked.tables["patients"]["deep_differences"] == {"2": ["phone"]}
    assert checked.tables["users"]["missing"] == 1
    assert checked.tables["model_versions"]["extra"] == 1
