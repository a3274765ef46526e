"""The embedded document store: JSON documents in one SQLite file (WAL), Cosmos DB semantics.

One table keyed by (container, partition key, id) holds every container. Fields are queried with
``json_extract``; the composite indexes a container declares (``containers.py``) become partial
expression indexes on the same ``json_extract`` expressions, so matching queries seek instead of
parsing every document. ``_etag``/``_ts`` behave as in Cosmos DB; expired documents (TTL) are
invisible at once and purged lazily. Calls run directly on the event loop under a lock: a SQLite statement here
takes well under a millisecond, less than a thread hop would cost. Several processes may share the
file (writes are ``BEGIN IMMEDIATE`` transactions).
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from reddytalk.errors import (
    Conflict,
    NotFound,
    PreconditionFailed,
    ServiceUnavailable,
)
from reddytalk.stores.containers import CONTAINERS, Container
from reddytalk.stores.documents import rules
from reddytalk.stores.documents.base import AnyOf, Document, Page, PatchOp, Prefix, Query, Range

PURGE_INTERVAL_SECONDS = 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    container TEXT NOT NULL,
    pk TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    etag TEXT NOT NULL,
    ts INTEGER NOT NULL,
    expires_at INTEGER,
    PRIMARY KEY (container, pk, id)
);
CREATE INDEX IF NOT EXISTS documents_expiry ON documents (container, expires_at)
    WHERE expires_at IS NOT NULL;
"""
_INDEX_PREFIX = "ix_"  # the declared indexes; others with this prefix are dropped as stale
_SQL_NAME = re.compile(r"^[a-z_]+$")


class EmbeddedDocumentStore:
    """``DocumentStore`` on a local SQLite file; created on first use, persistent across restarts."""

    def __init__(self, path: Path | str, *, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self._lock = threading.RLock()
        self._last_purge: dict[str, float] = {}
        try:
            self._db: sqlite3.Connection | None = sqlite3.connect(
                self.path, timeout=30.0, isolation_level=None, check_same_thread=False
            )
            self._db.execute("PRAGMA busy_timeout = 30000")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.executescript(_SCHEMA)
            _sync_indexes(self._db)
        except sqlite3.Error as exc:
            raise ServiceUnavailable(f"cannot open the embedded document store: {exc}") from None

    # -- writes --------------------------------------------------------------------------------

    async def create(self, container: str, doc: Document) -> Document:
        box = rules.known_container(container)
        doc_id, pk = rules.check_document(box, doc)
        with self._write(box) as (db, now):
            db.execute(
                "DELETE FROM documents WHERE container = ? AND pk = ? AND id = ? AND expires_at <= ?",
                (container, pk, doc_id, now),
            )
            try:
                return self._insert(db, box, doc, now)
            except sqlite3.IntegrityError:
                raise Conflict(f"a {container} document with this id already exists") from None

    async def replace(self, container: str, doc: Document, *, etag: str | None = None) -> Document:
        box = rules.known_container(container)
        doc_id, pk = rules.check_document(box, doc)
        with self._write(box) as (db, now):
            current = self._current(db, container, pk, doc_id, now)
            if current is None:
                raise NotFound(f"{container} document not found")
            _check_etag(current[1], etag)
            return self._update(db, box, doc, now)

    async def upsert(self, container: str, doc: Document, *, etag: str | None = None) -> Document:
        box = rules.known_container(container)
        doc_id, pk = rules.check_document(box, doc)
        with self._write(box) as (db, now):
            current = self._current(db, container, pk, doc_id, now)
            if current is None:
                if etag is not None:
                    raise PreconditionFailed(f"{container} document changed or was deleted")
                db.execute(
                    "DELETE FROM documents WHERE container = ? AND pk = ? AND id = ?", (container, pk, doc_id)
                )
                return self._insert(db, box, doc, now)
            _check_etag(current[1], etag)
            return self._update(db, box, doc, now)

    async def patch(
        self, container: str, id: str, partition_key: str, ops: list[PatchOp], *, etag: str | None = None
    ) -> Document:
        box = rules.known_container(container)
        rules.check_id(id)
        rules.check_id(partition_key, "partition key")
        rules.check_patch(box, ops)
        with self._write(box) as (db, now):
            current = self._current(db, container, partition_key, id, now)
            if current is None:
                raise NotFound(f"{container} document not found")
            _check_etag(current[1], etag)
            patched = rules.apply_patch(json.loads(current[0]), ops)
            rules.check_document(box, patched)
            return self._update(db, box, patched, now)

    async def delete(self, container: str, id: str, partition_key: str, *, etag: str | None = None) -> None:
        box = rules.known_container(container)
        rules.check_id(id)
        rules.check_id(partition_key, "partition key")
        with self._write(box) as (db, now):
            current = self._current(db, container, partition_key, id, now)
            if current is None:
                raise NotFound(f"{container} document not found")
            _check_etag(current[1], etag)
            db.execute(
                "DELETE FROM documents WHERE container = ? AND pk = ? AND id = ?",
                (container, partition_key, id),
            )

    # -- reads ---------------------------------------------------------------------------------

    async def read(self, container: str, id: str, partition_key: str) -> Document:
        rules.known_container(container)
        rules.check_id(id)
        rules.check_id(partition_key, "partition key")
        with self._read() as (db, now):
            row = db.execute(
                "SELECT body, etag, ts FROM documents WHERE container = ? AND pk = ? AND id = ? "
                "AND (expires_at IS NULL OR expires_at > ?)",
                (container, partition_key, id, now),
            ).fetchone()
        if row is None:
            raise NotFound(f"{container} document not found")
        return _document(*row)

    async def query(self, container: str, query: Query) -> Page:
        rules.known_container(container)
        rules.check_query(query)
        offset = rules.decode_continuation(query.continuation)
        order = "rowid"
        if query.order_by is not None:
            direction = "DESC" if query.descending else "ASC"
            order = f"{_extract(query.order_by)} {direction}, id {direction}"
        with self._read() as (db, now):
            where, params = _where(container, query, now)
            sql = f"SELECT body, etag, ts FROM documents WHERE {where} ORDER BY {order}"
            if query.limit is not None:
                sql += " LIMIT ? OFFSET ?"
                params += [query.limit + 1, offset]
            rows = db.execute(sql, params).fetchall()
        continuation = None
        if query.limit is not None and len(rows) > query.limit:
            rows = rows[: query.limit]
            continuation = rules.encode_continuation(offset + query.limit)
        return Page([_document(*row) for row in rows], continuation)

    async def count(self, container: str, query: Query) -> int:
        rules.known_container(container)
        rules.check_query(query)
        with self._read() as (db, now):
            where, params = _where(container, query, now)
            (n,) = db.execute(f"SELECT COUNT(*) FROM documents WHERE {where}", params).fetchone()
        return int(n)

    async def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    # -- internals -----------------------------------------------------------------------------

    @contextmanager
    def _read(self) -> Iterator[tuple[sqlite3.Connection, int]]:
        with self._lock:
            if self._db is None:
                raise ServiceUnavailable("the document store is closed")
            try:
                yield self._db, int(self._clock())
            except sqlite3.Error as exc:
                raise ServiceUnavailable(f"embedded document store failed: {type(exc).__name__}") from None

    @contextmanager
    def _write(self, box: Container) -> Iterator[tuple[sqlite3.Connection, int]]:
        with self._read() as (db, now):
            db.execute("BEGIN IMMEDIATE")
            try:
                self._maybe_purge(db, box, now)
                yield db, now
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def _maybe_purge(self, db: sqlite3.Connection, box: Container, now: int) -> None:
        if box.default_ttl is None or now - self._last_purge.get(box.name, 0.0) < PURGE_INTERVAL_SECONDS:
            return
        self._last_purge[box.name] = now
        db.execute("DELETE FROM documents WHERE container = ? AND expires_at <= ?", (box.name, now))

    @staticmethod
    def _current(
        db: sqlite3.Connection, container: str, pk: str, doc_id: str, now: int
    ) -> tuple[str, str] | None:
        row = db.execute(
            "SELECT body, etag FROM documents WHERE container = ? AND pk = ? AND id = ? "
            "AND (expires_at IS NULL OR expires_at > ?)",
            (container, pk, doc_id, now),
        ).fetchone()
        return None if row is None else (row[0], row[1])

    def _insert(self, db: sqlite3.Connection, box: Container, doc: Document, now: int) -> Document:
        body, etag, expiry = _prepare(box, doc, now)
        db.execute(
            "INSERT INTO documents (container, pk, id, body, etag, ts, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (box.name, doc[box.partition_key], doc["id"], body, etag, now, expiry),
        )
        return _document(body, etag, now)

    def _update(self, db: sqlite3.Connection, box: Container, doc: Document, now: int) -> Document:
        body, etag, expiry = _prepare(box, doc, now)
        db.execute(
            "UPDATE documents SET body = ?, etag = ?, ts = ?, expires_at = ? "
            "WHERE container = ? AND pk = ? AND id = ?",
            (body, etag, now, expiry, box.name, doc[box.partition_key], doc["id"]),
        )
        return _document(body, etag, now)


def _where(container: str, query: Query, now: int) -> tuple[str, list[Any]]:
    """The SQL condition for a query: its container, not expired, and every filter."""
    clauses = [_in_container(container), "(expires_at IS NULL OR expires_at > ?)"]
    params: list[Any] = [now]
    if query.partition_key is not None:
        clauses.append("pk = ?")
        params.append(query.partition_key)
    for path, flt in query.where.items():
        clause, values = _filter_sql(path, flt)
        clauses.append(clause)
        params.extend(values)
    return " AND ".join(clauses), params


def _prepare(box: Container, doc: Document, now: int) -> tuple[str, str, int | None]:
    body = rules.to_json(doc)
    return body, f'"{uuid.uuid4()}"', rules.expires_at(box, doc, now)


def _document(body: str, etag: str, ts: int) -> Document:
    doc: Document = json.loads(body)
    doc["_etag"] = etag
    doc["_ts"] = ts
    return doc


def _check_etag(current: str, expected: str | None) -> None:
    if expected is not None and expected != current:
        raise PreconditionFailed("the document changed since it was read (stale ETag)")


def _json_path(path: str) -> str:
    return "$." + ".".join(rules.check_field(path))


def _extract(path: str) -> str:
    """The SQL value of a field; queries and index definitions must spell it the same way."""
    return f"json_extract(body, '{_json_path(path)}')"


def _in_container(name: str) -> str:
    """The container condition as a literal, as the partial indexes' ``WHERE`` spells it (SQLite
    uses a partial index only when the query's terms match it; a bound parameter would not)."""
    if not _SQL_NAME.match(name):
        raise ValueError(f"container name {name!r} is not a plain SQL word")
    return f"container = '{name}'"


def _index_statements() -> dict[str, str]:
    """``CREATE INDEX`` of every declared composite index (``containers.py``), by index name.

    Each index is partial (one container's rows) and ends with ``id``, the store's tie-breaker for
    ordered queries, so an index both finds the rows and returns them in order.
    """
    statements: dict[str, str] = {}
    for box in CONTAINERS.values():
        for fields in box.indexes:
            name = _INDEX_PREFIX + "__".join([box.name, *(f.replace(".", "_") for f in fields)])
            if name in statements:
                raise ValueError(f"index {name} is declared twice")
            columns = ", ".join([*(_extract(f) for f in fields), "id"])
            statements[name] = (
                f'CREATE INDEX IF NOT EXISTS "{name}" ON documents ({columns}) WHERE {_in_container(box.name)}'
            )
    return statements


def _sync_indexes(db: sqlite3.Connection) -> None:
    """Create the declared indexes that are missing and drop ours that are no longer declared."""
    wanted = _index_statements()
    existing = {
        row[0]
        for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        if row[0].startswith(_INDEX_PREFIX)
    }
    for name in sorted(existing - wanted.keys()):
        db.execute(f'DROP INDEX IF EXISTS "{name}"')
    for name, statement in wanted.items():
        if name not in existing:
            db.execute(statement)


def _filter_sql(path: str, flt: Any) -> tuple[str, list[Any]]:
    """One filter as SQL over ``json_extract``; comparisons only match values of the same JSON type.

    Each filter compares the bare ``json_extract`` value (so an index on it can seek), next to a
    ``json_type`` check that keeps types apart (a JSON object extracts as text, too).
    """
    json_path = _json_path(path)
    value = _extract(path)
    kind = f"json_type(body, '{json_path}')"
    if isinstance(flt, Prefix):
        # The range lets an index seek to the prefix; substr is the definition (and the check).
        parts = [f"{kind} = 'text'", f"{value} >= ?"]
        params: list[Any] = [flt.value]
        upper = rules.prefix_upper_bound(flt.value)
        if upper is not None:
            parts.append(f"{value} < ?")
            params.append(upper)
        parts.append(f"substr({value}, 1, ?) = ?")
        params += [len(flt.value), flt.value]
        return "(" + " AND ".join(parts) + ")", params
    if isinstance(flt, Range):
        sample = flt.gte if flt.gte is not None else flt.lt
        parts = [_type_check(kind, sample)]
        params = []
        if flt.gte is not None:
            parts.append(f"{value} >= ?")
            params.append(flt.gte)
        if flt.lt is not None:
            parts.append(f"{value} < ?")
            params.append(flt.lt)
        return "(" + " AND ".join(parts) + ")", params
    if isinstance(flt, AnyOf):
        if not flt.values:
            return "0", []
        clauses, params = [], []
        for candidate in flt.values:
            clause, values = _filter_sql(path, candidate)
            clauses.append(clause)
            params.extend(values)
        return "(" + " OR ".join(clauses) + ")", params
    if flt is None:
        return f"{kind} = 'null'", []
    if isinstance(flt, bool):
        return f"{kind} = '{'true' if flt else 'false'}'", []
    return f"({_type_check(kind, flt)} AND {value} = ?)", [flt]


def _type_check(kind: str, sample: Any) -> str:
    return f"{kind} = 'text'" if isinstance(sample, str) else f"{kind} IN ('integer', 'real')"
