"""SQLite (WAL) persistence of the durable engine: instances, history, pending messages, entity state.

Every engine step is one transaction here, committed before any of its effects are handed on, so a process
killed at any point restarts from a consistent state. ``synchronous=NORMAL`` in WAL mode survives a process
crash (kill -9); only a power loss can drop the last commits.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS instances (
    instance_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    execution_id TEXT NOT NULL,
    status TEXT NOT NULL,
    input TEXT,
    output TEXT,
    custom_status TEXT,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    parent_id TEXT,
    parent_seq INTEGER,
    progress TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS instances_created ON instances (created, instance_id);
CREATE TABLE IF NOT EXISTS history (
    instance_id TEXT NOT NULL,
    idx INTEGER NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (instance_id, idx)
);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    queue TEXT NOT NULL,
    target TEXT NOT NULL,
    payload TEXT NOT NULL,
    visible_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_target ON messages (target);
CREATE TABLE IF NOT EXISTS entities (
    entity_id TEXT PRIMARY KEY,
    present INTEGER NOT NULL,
    state TEXT,
    last_operation REAL NOT NULL
);
"""

#: Message queues: orchestrator inbox (history events and timers), activity work items, entity operations.
ORCH = "orch"
ACTIVITY = "activity"
ENTITY = "entity"


@dataclass
class InstanceRow:
    """One orchestration instance as stored."""

    instance_id: str
    name: str
    execution_id: str
    status: str
    input: str | None
    output: str | None
    custom_status: str | None
    created: float
    updated: float
    parent_id: str | None
    parent_seq: int | None
    progress: dict[str, Any]


@dataclass
class MessageRow:
    id: int
    queue: str
    target: str
    payload: dict[str, Any]
    visible_at: float


class DurableStore:
    """Synchronous SQLite access; the engine calls it from its event loop (writes are sub-millisecond)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._depth = 0

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic step; nested use joins the outer transaction."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._db.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self._db.execute("ROLLBACK")
            raise
        self._depth = 0
        self._db.execute("COMMIT")

    # instances -------------------------------------------------------------------------------------------

    def save_instance(self, row: InstanceRow) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO instances VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                row.instance_id,
                row.name,
                row.execution_id,
                row.status,
                row.input,
                row.output,
                row.custom_status,
                row.created,
                row.updated,
                row.parent_id,
                row.parent_seq,
                json.dumps(row.progress),
            ),
        )

    def load_instance(self, instance_id: str) -> InstanceRow | None:
        cur = self._db.execute("SELECT * FROM instances WHERE instance_id = ?", (instance_id,))
        found = cur.fetchone()
        return _instance(found) if found else None

    def query_instances(
        self,
        where: str = "",
        params: tuple[Any, ...] = (),
        limit: int | None = None,
        offset: int = 0,
    ) -> list[InstanceRow]:
        sql = "SELECT * FROM instances"
        if where:
            sql += f" WHERE {where}"
        sql += " ORDER BY created, instance_id"
        if limit is not None:
            sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
        return [_instance(r) for r in self._db.execute(sql, params).fetchall()]

    def delete_instance(self, instance_id: str) -> None:
        self._db.execute("DELETE FROM instances WHERE instance_id = ?", (instance_id,))
        self._db.execute("DELETE FROM history WHERE instance_id = ?", (instance_id,))
        self._db.execute("DELETE FROM messages WHERE target = ?", (instance_id,))

    # history ---------------------------------------------------------------------------------------------

    def append_history(self, instance_id: str, start: int, events: list[str]) -> None:
        self._db.executemany(
            "INSERT INTO history VALUES (?,?,?)",
            [(instance_id, start + i, text) for i, text in enumerate(events)],
        )

    def replace_history(self, instance_id: str, events: list[str]) -> None:
        self._db.execute("DELETE FROM history WHERE instance_id = ?", (instance_id,))
        self.append_history(instance_id, 0, events)

    def load_history(self, instance_id: str) -> list[str]:
        cur = self._db.execute("SELECT event FROM history WHERE instance_id = ? ORDER BY idx", (instance_id,))
        return [r[0] for r in cur.fetchall()]

    # messages --------------------------------------------------------------------------------------------

    def add_message(self, queue: str, target: str, payload: dict[str, Any], visible_at: float) -> int:
        cur = self._db.execute(
            "INSERT INTO messages (queue, target, payload, visible_at) VALUES (?,?,?,?)",
            (queue, target, json.dumps(payload), visible_at),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def delete_messages(self, ids: list[int]) -> None:
        if ids:
            self._db.executemany("DELETE FROM messages WHERE id = ?", [(i,) for i in ids])

    def delete_messages_of(self, target: str, queue: str) -> None:
        self._db.execute("DELETE FROM messages WHERE target = ? AND queue = ?", (target, queue))

    def all_messages(self) -> list[MessageRow]:
        cur = self._db.execute("SELECT id, queue, target, payload, visible_at FROM messages ORDER BY id")
        return [MessageRow(r[0], r[1], r[2], json.loads(r[3]), r[4]) for r in cur.fetchall()]

    # entities --------------------------------------------------------------------------------------------

    def load_entity(self, entity_id: str) -> tuple[bool, str | None, float] | None:
        cur = self._db.execute(
            "SELECT present, state, last_operation FROM entities WHERE entity_id = ?", (entity_id,)
        )
        found = cur.fetchone()
        return (bool(found[0]), found[1], found[2]) if found else None

    def save_entity(self, entity_id: str, present: bool, state: str | None, when: float) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO entities VALUES (?,?,?,?)", (entity_id, int(present), state, when)
        )

    def list_entities(self, prefix: str) -> list[tuple[str, bool, str | None, float]]:
        cur = self._db.execute(
            "SELECT entity_id, present, state, last_operation FROM entities WHERE substr(entity_id, 1, ?) = ? "
            "ORDER BY entity_id",
            (len(prefix), prefix),
        )
        return [(r[0], bool(r[1]), r[2], r[3]) for r in cur.fetchall()]


def _instance(r: tuple[Any, ...]) -> InstanceRow:
    return InstanceRow(*r[:11], json.loads(r[11]))  # type: ignore[call-arg]
