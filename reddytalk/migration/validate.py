"""Validation: per-table counts, a checksum of every row's canonical form against its document,
a sampled field-by-field comparison, and the quarantine cross-check. Any mismatch fails the report.

Source rows are judged by the same rules as the load; every valid row must have exactly one matching
document (or transcript line), every document must come from a valid row, and the recorded
quarantine must equal the set of invalid rows. Reports name ids and fields, never values.
"""

from __future__ import annotations

import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from tqdm import tqdm

from reddytalk.errors import NotFound
from reddytalk.migration import source, state
from reddytalk.migration.build import build_rows, build_transcripts
from reddytalk.migration.report import Report
from reddytalk.migration.state import Conn
from reddytalk.migration.tables import TABLES, Table
from reddytalk.migration.transform import (
    DEFAULT_MAX_PART_BYTES,
    Converter,
    canonical,
    line_digest,
    part_id,
    row_digest,
)
from reddytalk.stores.documents.base import Document, DocumentStore, Query

MAX_LISTED = 20  # ids listed per kind of problem
SCAN_PAGE = 1000  # documents per page when reading a whole container (the store's maximum)


@dataclass
class ValidateOptions:
    sample: int = 200
    batch_rows: int = 5000
    batch_sessions: int = 500
    max_part_bytes: int = DEFAULT_MAX_PART_BYTES
    progress: bool = False
    seed: int | None = None


async def scan(store: DocumentStore, container: str) -> AsyncIterator[Document]:
    """Every document of a container, page by page."""
    continuation: str | None = None
    while True:
        page = await store.query(container, Query(limit=SCAN_PAGE, continuation=continuation))
        for doc in page.items:
            yield doc
        continuation = page.continuation
        if not continuation:
            return


async def _expected(
    conn: Conn, conv: Converter, table: Table, opts: ValidateOptions
) -> tuple[dict[str, bytes], dict[str, str], int]:
    """Digests of what the store should hold, the quarantine the rules imply, and the source row count."""
    digests: dict[str, bytes] = {}
    invalid: dict[str, str] = {}
    rows_seen = 0
    after: str | None = None
    while True:
        if table.grouped:
            groups = await source.sessions_after(conn, after, opts.batch_sessions)
            if not groups:
                break
            lines = await source.lines_of(conn, groups)
            reasons = await source.session_reasons(conn, groups)
            built = build_transcripts(conv, table, groups, lines, reasons, opts.max_part_bytes)
            for doc in built.docs:
                for line in doc["lines"]:
                    digests[line["line_id"]] = line_digest(doc["session_id"], line)
            after = groups[-1]
        else:
            rows = await source.rows_after(conn, table, after, opts.batch_rows)
            if not rows:
                break
            built = build_rows(conv, table, rows)
            for doc in built.docs:
                digests[doc["id"]] = row_digest(table, doc)
            after = str(rows[-1]["id"])
        rows_seen += built.rows
        invalid.update({q.legacy_id: q.reason for q in built.quarantined})
    return digests, invalid, rows_seen


async def _actual(store: DocumentStore, table: Table) -> tuple[dict[str, bytes], list[str], int]:
    """Digests of what the store holds (per row or line), duplicate keys, and the document count."""
    digests: dict[str, bytes] = {}
    duplicates: list[str] = []
    documents = 0
    async for doc in scan(store, table.container):
        documents += 1
        if table.grouped:
            session_id = str(doc.get("session_id"))
            if doc.get("id") != part_id(session_id, int(doc.get("part", -1))):
                duplicates.append(str(doc.get("id")))
            for line in doc.get("lines", []):
                key = str(line.get("line_id"))
                if key in digests:
                    duplicates.append(key)
                digests[key] = line_digest(session_id, line)
        else:
            key = str(doc.get("id"))
            if key in digests:
                duplicates.append(key)
            digests[key] = row_digest(table, canonical(doc))
    return digests, duplicates, documents


def _diff(a: Document | None, b: Document | None) -> list[str]:
    if a is None or b is None:
        return ["<missing document>"]
    keys = set(canonical(a)) | set(canonical(b))
    return sorted(k for k in keys if a.get(k) != b.get(k))


async def _deep(
    conn: Conn, store: DocumentStore, conv: Converter, table: Table, keys: list[str], opts: ValidateOptions
) -> dict[str, list[str]]:
    """Re-read both sides for ``keys`` and name the fields that differ (by id)."""
    out: dict[str, list[str]] = {}
    if table.grouped:
        cur = await conn.execute(
            "SELECT DISTINCT coalesce(session_id::text, '') AS g FROM call_transcripts WHERE id = ANY(%s::bigint[])",
            ([int(k) for k in keys if k.isdigit()],),
        )
        groups = [r["g"] for r in await cur.fetchall() if r["g"]]
        lines = await source.lines_of(conn, groups)
        reasons = await source.session_reasons(conn, groups)
        built = build_transcripts(conv, table, groups, lines, reasons, opts.max_part_bytes)
        for doc in built.docs:
            stored: Document | None
            try:
                stored = await store.read(table.container, doc["id"], doc["session_id"])
            except NotFound:
                stored = None
            fields = _diff(doc, stored)
            if fields:
                out[doc["id"]] = fields
        return out
    rows = await source.rows_by_keys(conn, table, keys)
    built = build_rows(conv, table, rows)
    for doc in built.docs:
        try:
            stored = await store.read(table.container, doc["id"], doc[table.partition_field])
        except NotFound:
            stored = None
        fields = _diff(doc, stored)
        if fields:
            out[doc["id"]] = fields
    return out


async def validate_table(
    conn: Conn, store: DocumentStore, conv: Converter, table: Table, opts: ValidateOptions, report: Report
) -> None:
    expected, invalid, rows = await _expected(conn, conv, table, opts)
    actual, duplicates, documents = await _actual(store, table)
    recorded = await state.quarantine_map(conn, table.name) if await state.installed(conn) else {}
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    differing = sorted(k for k in set(expected) & set(actual) if expected[k] != actual[k])
    unrecorded = sorted(set(invalid) - set(recorded))
    stale = sorted(set(recorded) - set(invalid))
    rng = random.Random(opts.seed)
    matched = sorted(set(expected) & set(actual))
    sample = rng.sample(matched, min(opts.sample, len(matched)))
    deep = await _deep(conn, store, conv, table, sample + differing[:MAX_LISTED] + missing[:MAX_LISTED], opts)
    checked = len(expected)
    ok_rows = checked - len(missing) - len(differing)
    stats: dict[str, Any] = report.table(table.name)
    stats.update(
        container=table.container,
        source_rows=rows,
        expected=checked,
        in_store=len(actual),
        documents=documents,
        quarantined=len(invalid),
        matching_pct=round(100.0 * ok_rows / checked, 3) if checked else 100.0,
        missing=len(missing),
        extra=len(extra),
        differing=len(differing),
        duplicates=len(duplicates),
        sampled=len(sample),
        quarantine_reasons=_count(invalid.values()),
    )
    if rows != checked + len(invalid):
        report.fail(f"{table.name}: {rows} source rows but {checked} expected + {len(invalid)} quarantined")
    for label, ids in (
        ("missing in store", missing),
        ("extra in store", extra),
        ("checksum differs", differing),
        ("duplicated in store", duplicates),
        ("invalid but not in quarantine", unrecorded),
        ("in quarantine but valid or gone", stale),
    ):
        if ids:
            report.fail(f"{table.name}: {len(ids)} {label}: {', '.join(ids[:MAX_LISTED])}")
    if deep:
        stats["deep_differences"] = dict(list(deep.items())[:MAX_LISTED])
        report.fail(f"{table.name}: {len(deep)} documents differ field by field")


def _count(values: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out


async def validate(
    conn: Conn, store: DocumentStore, conv: Converter, opts: ValidateOptions | None = None
) -> Report:
    opts = opts or ValidateOptions()
    report = Report("validate")
    started = time.perf_counter()
    for table in tqdm(TABLES, desc="validate", unit="table", disable=not opts.progress, leave=False):
        await validate_table(conn, store, conv, table, opts, report)
    report.elapsed_s = time.perf_counter() - started
    return report
