"""Full load: export → transform → bulk load, table by table, resumable from checkpoints.

Each batch is read by primary key (keyset), written with bounded concurrency, and only then is its
last key checkpointed; a crash re-writes at most one batch, and since ids are deterministic the
re-write replaces rather than duplicates. The next batch is read while the current one is written.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass

from tqdm import tqdm

from reddytalk.migration import checkpoint, source, state
from reddytalk.migration.build import Built, build_rows, build_transcripts, part_counts
from reddytalk.migration.report import Report
from reddytalk.migration.state import Conn
from reddytalk.migration.tables import TABLES, Table
from reddytalk.migration.transform import DEFAULT_MAX_PART_BYTES, Converter
from reddytalk.migration.writer import Writer


@dataclass
class LoadOptions:
    batch_rows: int = 2000
    batch_sessions: int = 200
    max_part_bytes: int = DEFAULT_MAX_PART_BYTES
    restart: bool = False
    progress: bool = True


async def _next_batch(
    conn: Conn, conv: Converter, table: Table, after: str | None, opts: LoadOptions
) -> tuple[Built, str, list[str]] | None:
    if table.grouped:
        groups = await source.sessions_after(conn, after, opts.batch_sessions)
        if not groups:
            return None
        lines = await source.lines_of(conn, groups)
        reasons = await source.session_reasons(conn, groups)
        built = build_transcripts(conv, table, groups, lines, reasons, opts.max_part_bytes)
        return built, groups[-1], groups
    rows = await source.rows_after(conn, table, after, opts.batch_rows)
    if not rows:
        return None
    return build_rows(conv, table, rows), str(rows[-1]["id"]), []


async def load_table(
    conn: Conn, reader: Conn, writer: Writer, conv: Converter, table: Table, opts: LoadOptions, report: Report
) -> None:
    stats = report.table(table.name)
    done_key = f"full:{table.name}:done"
    if await checkpoint.get(conn, done_key) == "1":
        stats["skipped"] = "already loaded"
        return
    after = await checkpoint.get(conn, f"full:{table.name}")
    stats["resumed_from"] = after
    total = await source.count(reader, table)
    may_release = await state.has_quarantine(conn, table.name)
    started = time.perf_counter()
    rows = docs = quarantined = 0
    with tqdm(total=total, desc=table.name, unit="row", disable=not opts.progress, leave=False) as bar:
        pending = asyncio.ensure_future(_next_batch(reader, conv, table, after, opts))
        try:
            while (batch := await pending) is not None:
                built, last, groups = batch
                pending = asyncio.ensure_future(_next_batch(reader, conv, table, last, opts))
                await writer.upsert_all(table.container, built.docs)
                if table.grouped:
                    await state.set_part_counts(conn, part_counts(groups, built.docs))
                if may_release:  # only a rerun can find earlier quarantine entries to forget
                    await state.release(conn, table.name, built.valid_ids)
                await state.quarantine(conn, built.quarantined)
                await checkpoint.put(conn, f"full:{table.name}", last)
                rows += built.rows
                docs += len(built.docs)
                quarantined += len(built.quarantined)
                bar.update(built.rows)
        finally:
            if not pending.done():
                pending.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await pending
    await checkpoint.put(conn, done_key, "1")
    elapsed = time.perf_counter() - started
    stats.update(
        rows=rows,
        documents=docs,
        quarantined=quarantined,
        seconds=round(elapsed, 3),
        rows_per_s=round(rows / elapsed, 1) if elapsed > 0 else None,
    )


async def full_load(
    conn: Conn, reader: Conn, writer: Writer, conv: Converter, opts: LoadOptions | None = None
) -> Report:
    """Install change capture first (so writes during the load reach ``sync``), then load every table."""
    opts = opts or LoadOptions()
    report = Report("full")
    started = time.perf_counter()
    await state.install(conn)
    if opts.restart:
        await checkpoint.clear(conn, "full:")
    for table in TABLES:
        await load_table(conn, reader, writer, conv, table, opts, report)
    report.elapsed_s = time.perf_counter() - started
    rows = sum(int(t.get("rows", 0)) for t in report.tables.values())
    report.details.update(
        rows=rows,
        rows_per_s=round(rows / report.elapsed_s, 1) if report.elapsed_s > 0 else None,
        store_writes=writer.stats.writes,
        retries=writer.stats.retries,
    )
    return report
