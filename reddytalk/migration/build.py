"""Turns a batch of legacy rows into documents to write and rows to quarantine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reddytalk.errors import ReddyTalkError
from reddytalk.migration.source import NULL_GROUP, Row
from reddytalk.migration.tables import Table
from reddytalk.migration.transform import (
    DEFAULT_MAX_PART_BYTES,
    Converter,
    Quarantined,
    line_size,
    transcript_documents,
)
from reddytalk.stores.containers import container
from reddytalk.stores.documents import rules


def store_problem(container_name: str, doc: dict[str, Any]) -> str | None:
    """Why the store would refuse ``doc`` (bad id or partition key, over 2 MB, NaN), or None."""
    try:
        rules.check_document(container(container_name), doc)
        rules.to_json(doc)
    except ReddyTalkError as exc:
        return "too_large" if exc.code == "payload_too_large" else "invalid_for_store"
    return None


@dataclass
class Built:
    docs: list[dict[str, Any]] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    valid_ids: list[str] = field(default_factory=list)  # legacy ids that became (part of) documents
    rows: int = 0  # source rows considered


def build_rows(conv: Converter, table: Table, rows: list[Row]) -> Built:
    out = Built(rows=len(rows))
    for row in rows:
        legacy_id = str(row["id"])
        reason = row["_reason"]
        if reason:
            part = row.get(table.partition_field)
            out.quarantined.append(
                Quarantined(table.name, legacy_id, "" if part is None else str(part), reason)
            )
            continue
        doc = conv.document(table, row)
        problem = store_problem(table.container, doc)
        if problem:
            part = doc.get(table.partition_field)
            out.quarantined.append(
                Quarantined(table.name, legacy_id, "" if part is None else str(part), problem)
            )
        else:
            out.docs.append(doc)
            out.valid_ids.append(legacy_id)
    return out


def part_counts(groups: list[str], docs: list[dict[str, Any]]) -> dict[str, int]:
    """Parts per session after writing ``docs`` (0 for a session whose lines are all quarantined)."""
    counts = {g: 0 for g in groups if g != NULL_GROUP}
    for doc in docs:
        counts[doc["session_id"]] = max(counts.get(doc["session_id"], 0), int(doc["part"]) + 1)
    return counts


def build_transcripts(
    conv: Converter,
    table: Table,
    groups: list[str],
    lines: list[Row],
    session_reasons: dict[str, str | None],
    max_part_bytes: int = DEFAULT_MAX_PART_BYTES,
) -> Built:
    """Lines of whole sessions → part documents; lines of missing/quarantined sessions are quarantined."""
    out = Built(rows=len(lines))
    by_group: dict[str, list[Row]] = {g: [] for g in groups}
    for row in lines:
        sid = row["session_id"]
        by_group.setdefault(NULL_GROUP if sid is None else str(sid), []).append(row)
    for group, rows in by_group.items():
        if group == NULL_GROUP:
            session_problem: str | None = "missing_session_id"
        elif group not in session_reasons:
            session_problem = "orphan_session"
        elif session_reasons[group]:
            session_problem = "session_quarantined"
        else:
            session_problem = None
        kept: list[dict[str, Any]] = []
        for row in rows:
            legacy_id = str(row["id"])
            reason = session_problem or row["_reason"]
            line = None if reason else conv.line(row, table)
            if line is not None and line_size(line) > max_part_bytes:
                reason = "line_too_large"
            if reason or line is None:
                out.quarantined.append(Quarantined(table.name, legacy_id, group, reason or "invalid"))
            else:
                kept.append(line)
                out.valid_ids.append(legacy_id)
        out.docs.extend(transcript_documents(group, kept, max_part_bytes))
    return out
