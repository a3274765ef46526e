"""Parallel-run sync: apply the trigger-maintained change log to the document store.

The log names *which* keys changed; applying a key re-reads that row (or transcript group) as it is
now and makes the store match it: upsert, delete, or quarantine. Re-applying is therefore harmless,
so the log entries are deleted only after their keys are applied — a crash in between re-applies
them, which is exactly-once in effect. Keys are coalesced within a batch and applied parents first;
a parent that appears, disappears or changes validity re-evaluates its children (orphan rules).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from reddytalk.migration import source, state
from reddytalk.migration.build import build_rows, build_transcripts, part_counts
from reddytalk.migration.state import SCHEMA, Conn
from reddytalk.migration.tables import BY_NAME, TABLES, Table, children_of
from reddytalk.migration.transform import DEFAULT_MAX_PART_BYTES, Converter, part_id
from reddytalk.migration.writer import Writer
from reddytalk.stores.documents.base import Query


@dataclass
class KeyChange:
    ops: set[str] = field(default_factory=set)
    old_parts: set[str] = field(default_factory=set)


@dataclass
class SyncStats:
    changes: int = 0
    keys: int = 0
    upserts: int = 0
    deletes: int = 0
    quarantined: int = 0
    batches: int = 0
    lags_ms: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        lags = sorted(self.lags_ms)

        def pct(p: float) -> float | None:
            return round(lags[min(len(lags) - 1, int(p * len(lags)))], 1) if lags else None

        return {
            "changes": self.changes,
            "keys_applied": self.keys,
            "upserts": self.upserts,
            "deletes": self.deletes,
            "quarantined": self.quarantined,
            "batches": self.batches,
            "lag_ms_p50": pct(0.50),
            "lag_ms_p95": pct(0.95),
            "lag_ms_max": round(lags[-1], 1) if lags else None,
        }


class Syncer:
    def __init__(
        self,
        conn: Conn,
        writer: Writer,
        conv: Converter,
        *,
        batch: int = 2000,
        max_part_bytes: int = DEFAULT_MAX_PART_BYTES,
    ) -> None:
        self.conn = conn
        self.writer = writer
        self.conv = conv
        self.batch = batch
        self.max_part_bytes = max_part_bytes
        self.stats = SyncStats()

    async def pending(self) -> tuple[int, float | None]:
        """Changes not yet applied, and the age in seconds of the oldest (the current lag)."""
        cur = await self.conn.execute(
            f"SELECT count(*) AS n, extract(epoch FROM clock_timestamp() - min(changed_at)) AS age "
            f"FROM {SCHEMA}.changes"
        )
        row = await cur.fetchone()
        if not row:
            return 0, None
        return int(row["n"]), None if row["age"] is None else float(row["age"])

    async def run_once(self) -> int:
        """Apply one batch of the change log; returns how many log entries it consumed."""
        cur = await self.conn.execute(
            f"SELECT seq, table_name, key, op, old_part, changed_at FROM {SCHEMA}.changes ORDER BY seq LIMIT %s",
            (self.batch,),
        )
        entries = await cur.fetchall()
        if not entries:
            return 0
        work: dict[str, dict[str, KeyChange]] = defaultdict(dict)
        for e in entries:
            change = work[e["table_name"]].setdefault(e["key"], KeyChange())
            change.ops.add(e["op"])
            if e["old_part"] is not None:
                change.old_parts.add(e["old_part"])
        for table in TABLES:
            keys = work.get(table.name)
            if keys:
                touched = await self._apply(table, keys)
                await self._cascade(table, touched, work)
        await self.conn.execute(
            f"DELETE FROM {SCHEMA}.changes WHERE seq = ANY(%s)", ([e["seq"] for e in entries],)
        )
        now = dt.datetime.now(dt.UTC)
        self.stats.lags_ms.extend((now - e["changed_at"]).total_seconds() * 1000 for e in entries)
        self.stats.changes += len(entries)
        self.stats.batches += 1
        return len(entries)

    async def drain(self) -> None:
        while await self.run_once():
            pass

    async def follow(self, stop: asyncio.Event, poll_s: float = 0.1) -> None:
        """Run continuously until ``stop`` is set (the parallel-run mode)."""
        while not stop.is_set():
            if not await self.run_once():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), poll_s)

    # --- applying ---------------------------------------------------------------------------

    async def _cascade(
        self, parent: Table, touched: list[str], work: dict[str, dict[str, KeyChange]]
    ) -> None:
        if not touched:
            return
        for child, column in children_of(parent.name):
            if child.grouped:
                keys = touched  # transcript groups are keyed by the session id itself
            else:
                cur = await self.conn.execute(
                    f"SELECT id::text AS id FROM {child.name} WHERE {column} = ANY(%s::{parent.key_type}[])",
                    (touched,),
                )
                keys = [r["id"] for r in await cur.fetchall()]
            for key in keys:
                work[child.name].setdefault(key, KeyChange())

    async def _apply(self, table: Table, keys: dict[str, KeyChange]) -> list[str]:
        """Make the store match the current source for ``keys``; returns keys whose children need a look."""
        self.stats.keys += len(keys)
        if table.grouped:
            return await self._apply_groups(table, list(keys))
        key_list = list(keys)
        rows = await source.rows_by_keys(self.conn, table, key_list)
        was_quarantined = await state.quarantined_ids(self.conn, table.name, key_list)
        built = build_rows(self.conv, table, rows)
        present = {str(r["id"]): r for r in rows}
        deletes: set[tuple[str, str]] = set()
        touched: list[str] = []
        valid_part = {d["id"]: d[table.partition_field] for d in built.docs}
        for key, change in keys.items():
            row = present.get(key)
            stale = set(change.old_parts)
            if table.partition_column == "id":
                stale.add(key)
            if key in valid_part:
                stale.discard(valid_part[key])
            elif row is not None and row.get(table.partition_column) is not None:
                stale.add(str(row[table.partition_column]))
            deletes.update((key, pk) for pk in stale)
            if row is None or key not in valid_part or key in was_quarantined or "I" in change.ops:
                touched.append(key)
        await self.writer.upsert_all(table.container, built.docs)
        await self.writer.delete_all(table.container, sorted(deletes))
        await state.release(
            self.conn, table.name, [k for k in key_list if k not in present] + built.valid_ids
        )
        await state.quarantine(self.conn, built.quarantined)
        self.stats.upserts += len(built.docs)
        self.stats.deletes += len(deletes)
        self.stats.quarantined += len(built.quarantined)
        return touched

    async def _apply_groups(self, table: Table, groups: list[str]) -> list[str]:
        lines = await source.lines_of(self.conn, groups)
        reasons = await source.session_reasons(self.conn, groups)
        built = build_transcripts(self.conv, table, groups, lines, reasons, self.max_part_bytes)
        wanted = {d["id"] for d in built.docs}
        real = [g for g in groups if g != source.NULL_GROUP]
        recorded = await state.part_counts(self.conn, real)
        unknown = [g for g in real if g not in recorded]  # never written by us: ask the store
        found = await self.writer.gather(
            [functools.partial(existing_ids, self.writer, table, g) for g in unknown]
        )
        candidates = [(part_id(g, i), g) for g in real if g in recorded for i in range(recorded[g])]
        candidates += [(doc_id, g) for g, ids in zip(unknown, found, strict=True) for doc_id in ids]
        deletes = [(doc_id, g) for doc_id, g in candidates if doc_id not in wanted]
        await self.writer.upsert_all(table.container, built.docs)
        await self.writer.delete_all(table.container, deletes)
        await state.set_part_counts(self.conn, part_counts(groups, built.docs))
        await state.release_groups(self.conn, table.name, groups)
        await state.quarantine(self.conn, built.quarantined)
        self.stats.upserts += len(built.docs)
        self.stats.deletes += len(deletes)
        self.stats.quarantined += len(built.quarantined)
        return []


async def existing_ids(writer: Writer, table: Table, partition: str) -> list[str]:
    """Ids of the documents currently in one partition (e.g. all parts of one transcript)."""
    ids: list[str] = []
    continuation: str | None = None
    while True:
        page = await writer.store.query(
            table.container,
            Query(
                where={table.partition_field: partition}, partition_key=partition, continuation=continuation
            ),
        )
        ids.extend(d["id"] for d in page.items)
        continuation = page.continuation
        if not continuation:
            return ids


def table_named(name: str) -> Table:
    return BY_NAME[name]
