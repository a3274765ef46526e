"""Legacy row ↔ document, and the canonical form both sides are compared in.

Rules (see docs/migration.md): ids and references become strings; ``timestamptz`` becomes UTC ISO
8601 with microseconds and ``Z``; naive ``timestamp`` columns are read as the legacy server's local
time (``--legacy-timezone``) and converted to UTC; dates become ``YYYY-MM-DD``; NULL stays ``null``.
Transcript lines are grouped per call session, ordered by line id, into documents of at most
``max_part_bytes`` of JSON each (numbered parts), so no item reaches Cosmos DB's 2 MB limit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from reddytalk.migration.tables import Column, Table

UTC = dt.UTC
DEFAULT_MAX_PART_BYTES = 1_800_000  # Cosmos DB's item limit is 2 MB; leave room for system fields.
LINE_FIELDS = ("line_id", "speaker", "text", "confidence", "timestamp")
SYSTEM_PREFIX = "_"


@dataclass(frozen=True)
class Quarantined:
    table: str
    legacy_id: str
    group_key: str
    reason: str


def iso_utc(value: dt.datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(value: str) -> dt.datetime:
    return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


class Converter:
    """Converts column values both ways; holds the legacy server's time zone."""

    def __init__(self, legacy_timezone: str = "America/New_York") -> None:
        self.zone = ZoneInfo(legacy_timezone)

    def to_doc(self, column: Column, value: Any) -> Any:
        if value is None:
            return None
        kind = column.kind
        if kind == "ref":
            return str(value)
        if kind == "tstz":
            return iso_utc(value)
        if kind == "localts":
            return iso_utc(value.replace(tzinfo=self.zone))
        if kind == "date":
            return value.isoformat()
        if kind == "float":
            return float(value)
        return value

    def to_row(self, column: Column, value: Any) -> Any:
        if value is None:
            return None
        kind = column.kind
        if kind == "ref":
            return int(value)
        if kind == "tstz":
            return parse_iso(value)
        if kind == "localts":
            return parse_iso(value).astimezone(self.zone).replace(tzinfo=None)
        if kind == "date":
            return dt.date.fromisoformat(value)
        return value

    # --- whole rows -------------------------------------------------------------------------

    def document(self, table: Table, row: Mapping[str, Any]) -> dict[str, Any]:
        """The document of one (valid) row of a non-grouped table."""
        doc: dict[str, Any] = {"id": str(row["id"])}
        for column in table.columns:
            doc[column.name] = self.to_doc(column, row[column.name])
        if table.partition_field not in doc:
            doc[table.partition_field] = doc["id"]
        return doc

    def line(self, row: Mapping[str, Any], table: Table) -> dict[str, Any]:
        out: dict[str, Any] = {"line_id": str(row["id"])}
        for column in table.columns:
            out[column.name] = self.to_doc(column, row[column.name])
        return out

    def row(self, table: Table, doc: Mapping[str, Any]) -> dict[str, Any]:
        """The legacy row of a document (without ``id``, which the caller maps)."""
        return {c.name: self.to_row(c, doc.get(c.name)) for c in table.columns}

    def line_row(self, table: Table, session_id: str, line: Mapping[str, Any]) -> dict[str, Any]:
        out = {c.name: self.to_row(c, line.get(c.name)) for c in table.columns}
        out["session_id"] = session_id
        return out


def canonical(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A document without store-added fields (``_etag``, ``_ts``, ``_rid`` …)."""
    return {k: v for k, v in doc.items() if not k.startswith(SYSTEM_PREFIX)}


def digest(value: Any) -> bytes:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def row_digest(table: Table, doc: Mapping[str, Any]) -> bytes:
    """Checksum of one row's canonical form, computed the same way from a row and from a document."""
    fields = {c.name: doc.get(c.name) for c in table.columns}
    return digest(fields | {"id": doc.get("id"), table.partition_field: doc.get(table.partition_field)})


def line_size(line: Mapping[str, Any]) -> int:
    return len(json.dumps(line, ensure_ascii=False).encode()) + 1


def part_id(session_id: str, part: int) -> str:
    return f"{session_id}.{part}"


def transcript_documents(
    session_id: str, lines: Iterable[dict[str, Any]], max_part_bytes: int = DEFAULT_MAX_PART_BYTES
) -> list[dict[str, Any]]:
    """Ordered lines of one session → numbered part documents, each under ``max_part_bytes``."""
    parts: list[list[dict[str, Any]]] = [[]]
    size = 0
    for line in lines:
        n = line_size(line)
        if parts[-1] and size + n > max_part_bytes:
            parts.append([])
            size = 0
        parts[-1].append(line)
        size += n
    if not parts[-1]:
        return []
    return [
        {
            "id": part_id(session_id, i),
            "session_id": session_id,
            "part": i,
            "part_count": len(parts),
            "line_count": len(chunk),
            "lines": chunk,
        }
        for i, chunk in enumerate(parts)
    ]


def line_digest(session_id: str, line: Mapping[str, Any]) -> bytes:
    return digest({k: line.get(k) for k in LINE_FIELDS} | {"session_id": session_id})
