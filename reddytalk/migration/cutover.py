"""Cutover (freeze legacy writes → final sync → 100 % validation → switch) and rollback
(write back every document changed after cutover → unfreeze → switch back), both timed.

The switch is recorded in three places: the legacy database refuses writes (the freeze flag the
capture trigger checks), ``reddytalk_migration.control.system`` names the system of record, and the
switch file holds the app setting ``DATA_SYSTEM_OF_RECORD`` in the JSON shape that
``az functionapp config appsettings set --settings @FILE`` applies (see docs/migration.md).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
import uuid
from pathlib import Path
from typing import Any

from psycopg.types.json import Jsonb

from reddytalk.migration import source, state
from reddytalk.migration.build import build_rows, build_transcripts
from reddytalk.migration.report import Report
from reddytalk.migration.state import SCHEMA, Conn
from reddytalk.migration.sync import Syncer
from reddytalk.migration.tables import TABLES, Table
from reddytalk.migration.transform import Converter, canonical, line_digest, row_digest
from reddytalk.migration.validate import ValidateOptions, scan, validate
from reddytalk.migration.writer import Writer

SETTING = "DATA_SYSTEM_OF_RECORD"


def write_switch(path: Path, system: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = [{"name": SETTING, "value": system, "slotSetting": False}]
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(body, indent=2) + "\n")
    tmp.replace(path)


async def cutover(
    conn: Conn,
    syncer: Syncer,
    conv: Converter,
    switch_file: Path,
    opts: ValidateOptions | None = None,
    freeze_timeout_s: float = 60.0,
) -> Report:
    report = Report("cutover")
    started = time.perf_counter()
    if not await state.installed(conn):
        report.fail("change capture is not installed: run `reddytalk migrate full` first")
        return report
    if (await state.control(conn))["system"] == "documents":
        report.fail("already cut over (system of record is the document store)")
        return report
    timings: dict[str, float] = {}
    t = time.perf_counter()
    xid = await state.freeze(conn)
    deadline = time.monotonic() + freeze_timeout_s
    while not await state.writers_before_done(conn, xid):
        if time.monotonic() > deadline:
            await state.unfreeze(conn)
            report.fail("writers still running after the freeze timeout; cutover aborted, freeze lifted")
            return report
        await asyncio.sleep(0.05)
    timings["freeze_s"] = time.perf_counter() - t
    t = time.perf_counter()
    await syncer.drain()
    timings["final_sync_s"] = time.perf_counter() - t
    report.details["final_sync"] = syncer.stats.summary()
    t = time.perf_counter()
    checked = await validate(conn, syncer.writer.store, conv, opts)
    timings["validate_s"] = time.perf_counter() - t
    report.tables = checked.tables
    if not checked.ok:
        await state.unfreeze(conn)
        for problem in checked.problems:
            report.fail(problem)
        report.fail("validation below 100 %: cutover aborted, legacy writes re-enabled")
    else:
        await state.set_system(conn, "documents")
        write_switch(switch_file, "documents")
        report.details["switch"] = {"file": str(switch_file), SETTING: "documents"}
    report.elapsed_s = time.perf_counter() - started
    report.details["timings_s"] = {k: round(v, 3) for k, v in timings.items()}
    return report


# --- rollback ------------------------------------------------------------------------------


async def _legacy_id(conn: Conn, table: Table, container: str, doc_id: str) -> str:
    """The legacy key of a document: its own id if it came from the legacy table, else a mapped new one."""
    if table.key_type == "int" and doc_id.isdigit():
        return doc_id
    if table.key_type == "uuid":
        try:
            return str(uuid.UUID(doc_id))
        except ValueError:
            pass
    cur = await conn.execute(
        f"SELECT legacy_id FROM {SCHEMA}.id_map WHERE container = %s AND doc_id = %s", (container, doc_id)
    )
    row = await cur.fetchone()
    if row:
        return str(row["legacy_id"])
    if table.key_type == "uuid":
        new = str(uuid.uuid4())
    else:
        cur = await conn.execute(f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id'))::text AS id")
        got = await cur.fetchone()
        new = str(got["id"]) if got else ""
    await conn.execute(
        f"INSERT INTO {SCHEMA}.id_map (container, doc_id, legacy_id) VALUES (%s, %s, %s)",
        (container, doc_id, new),
    )
    return new


def _params(table: Table, values: dict[str, Any]) -> list[Any]:
    return [
        Jsonb(values[c.name]) if c.kind == "json" and values[c.name] is not None else values[c.name]
        for c in table.columns
    ]


async def _upsert_row(conn: Conn, table: Table, legacy_id: str, values: dict[str, Any]) -> None:
    names = [f'"{c.name}"' for c in table.columns]
    placeholders = ", ".join(["%s"] * (len(names) + 1))
    updates = ", ".join(f"{n} = EXCLUDED.{n}" for n in names)
    await conn.execute(
        f"INSERT INTO {table.name} (id, {', '.join(names)}) VALUES ({placeholders}) "
        f"ON CONFLICT (id) DO UPDATE SET {updates}",
        [legacy_id, *_params(table, values)],
    )


async def _delete_rows(conn: Conn, table: Table, ids: list[str]) -> None:
    if ids:
        await conn.execute(
            f"DELETE FROM {table.name} WHERE id = ANY(%s::{table.key_type}[])",
            (ids if table.key_type == "uuid" else [int(i) for i in ids],),
        )


async def _rollback_rows(conn: Conn, writer: Writer, conv: Converter, table: Table) -> dict[str, int]:
    rows = await source.all_rows(conn, table)
    # Unchanged = equal to its row as it is now (valid or not); gone = a valid row without a document.
    current = {str(r["id"]): row_digest(table, conv.document(table, r)) for r in rows}
    source_digests = {d["id"]: current[d["id"]] for d in build_rows(conv, table, rows).docs}
    seen: set[str] = set()
    written = rekeyed = 0
    foreign: list[tuple[str, str]] = []
    async for doc in scan(writer.store, table.container):
        doc_id = str(doc["id"])
        legacy_id = await _legacy_id(conn, table, table.container, doc_id)
        seen.add(legacy_id)
        if legacy_id == doc_id and current.get(doc_id) == row_digest(table, canonical(doc)):
            continue
        await _upsert_row(conn, table, legacy_id, conv.row(table, doc))
        written += 1
        if legacy_id != doc_id:
            foreign.append((doc_id, str(doc[table.partition_field])))
    gone = sorted(set(source_digests) - seen)
    await _delete_rows(conn, table, gone)
    # Documents born in the new system return under their legacy id at the next sync.
    await writer.delete_all(table.container, foreign)
    rekeyed = len(foreign)
    return {"written_back": written, "deleted": len(gone), "rekeyed": rekeyed}


async def _rollback_lines(
    conn: Conn, writer: Writer, conv: Converter, table: Table, max_part_bytes: int
) -> dict[str, int]:
    current: dict[str, bytes] = {}  # every legacy line as it is now
    source_digests: dict[str, bytes] = {}  # lines that are in the store unless deleted after cutover
    after: str | None = None
    while groups := await source.sessions_after(conn, after, 500):
        lines = await source.lines_of(conn, groups)
        reasons = await source.session_reasons(conn, groups)
        for row in lines:
            sid = "" if row["session_id"] is None else str(row["session_id"])
            current[str(row["id"])] = line_digest(sid, conv.line(row, table))
        for doc in build_transcripts(conv, table, groups, lines, reasons, max_part_bytes).docs:
            source_digests.update((line["line_id"], b"") for line in doc["lines"])
        after = groups[-1]
    seen: set[str] = set()
    written = 0
    in_store: dict[str, int] = {}
    async for doc in scan(writer.store, table.container):
        session_id = str(doc["session_id"])
        in_store[session_id] = max(in_store.get(session_id, 0), int(doc.get("part", 0)) + 1)
        for line in doc.get("lines", []):
            line_id = str(line.get("line_id", ""))
            legacy_id = await _legacy_id(conn, table, "transcripts", line_id) if line_id else ""
            if not legacy_id:
                continue
            seen.add(legacy_id)
            if legacy_id == line_id and current.get(line_id) == line_digest(session_id, line):
                continue
            values = conv.line_row(table, session_id, line)
            await conn.execute(
                'INSERT INTO call_transcripts (id, session_id, speaker, text, confidence, "timestamp") '
                "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET session_id = EXCLUDED.session_id, "
                'speaker = EXCLUDED.speaker, text = EXCLUDED.text, confidence = EXCLUDED.confidence, "timestamp" = EXCLUDED."timestamp"',
                (
                    int(legacy_id),
                    session_id,
                    values["speaker"],
                    values["text"],
                    values["confidence"],
                    values["timestamp"],
                ),
            )
            written += 1
    gone = sorted(set(source_digests) - seen)
    await _delete_rows(conn, table, gone)
    await state.reset_part_counts(conn, in_store)  # the new system may have split or merged parts
    return {"written_back": written, "deleted": len(gone)}


async def rollback(
    conn: Conn, syncer: Syncer, conv: Converter, switch_file: Path, force: bool = False
) -> Report:
    """Write back every document changed after cutover, lift the freeze, switch back, re-sync."""
    report = Report("rollback")
    started = time.perf_counter()
    if (await state.control(conn))["system"] != "documents" and not force:
        report.fail("not cut over: nothing to roll back (use --force to write back anyway)")
        return report
    await conn.execute("SET reddytalk_migration.writer = 'rollback'")
    try:
        t = time.perf_counter()
        for table in TABLES:
            if table.grouped:
                stats = await _rollback_lines(conn, syncer.writer, conv, table, syncer.max_part_bytes)
            else:
                stats = await _rollback_rows(conn, syncer.writer, conv, table)
            report.table(table.name).update(stats)
        writeback = time.perf_counter() - t
    finally:
        await conn.execute("RESET reddytalk_migration.writer")
    await state.unfreeze(conn)
    await state.set_system(conn, "legacy")
    write_switch(switch_file, "legacy")
    t = time.perf_counter()
    await syncer.drain()  # the store mirrors the legacy data again: parallel running resumes
    report.elapsed_s = time.perf_counter() - started
    report.details["timings_s"] = {
        "write_back_s": round(writeback, 3),
        "resync_s": round(time.perf_counter() - t, 3),
        "total_s": round(report.elapsed_s, 3),
    }
    report.details["switch"] = {"file": str(switch_file), SETTING: "legacy"}
    report.details["at"] = dt.datetime.now(dt.UTC).isoformat()
    return report
