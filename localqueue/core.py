"""The SQLite queue: one table of messages keyed by queue name, visibility by timestamp."""

from __future__ import annotations

import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

MAX_MESSAGES_PER_RECEIVE = 32  # the Azure Storage limit
MAX_VISIBILITY_SECONDS = 7 * 24 * 3600  # the Azure Storage limit
MAX_BODY_BYTES = 64 * 1024  # the Azure Storage limit for one message

_QUEUE_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    queue TEXT NOT NULL,
    id TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    dequeue_count INTEGER NOT NULL DEFAULT 0,
    inserted_at REAL NOT NULL,
    next_visible_at REAL NOT NULL,
    pop_receipt TEXT
);
CREATE INDEX IF NOT EXISTS messages_visible ON messages (queue, next_visible_at, seq);
"""


class InvalidQueueName(ValueError):
    """The name breaks the Azure rules: 3-63 lowercase letters, digits and single inner dashes."""


class MessageNotFound(LookupError):
    """The message is gone, or the pop receipt is stale (someone received it since)."""


@dataclass(frozen=True)
class Message:
    id: str
    body: str
    dequeue_count: int
    inserted_at: float  # epoch seconds
    pop_receipt: str
    next_visible_at: float  # epoch seconds


def validate_queue_name(name: str) -> str:
    """Return ``name`` if Azure Storage would accept it as a queue name, else raise ``InvalidQueueName``."""
    if not isinstance(name, str) or not _QUEUE_NAME.match(name):
        raise InvalidQueueName(
            f"invalid queue name {name!r}: use 3-63 lowercase letters, digits and single dashes"
        )
    return name


def connection_path(conn_str: str) -> Path | None:
    """The file named by ``UseEmbeddedStorage=true;Path=...`` (relative paths resolve against the cwd).

    Any other connection string (Azure Storage, Azurite) gives ``None``.
    """
    parts: dict[str, str] = {}
    for piece in conn_str.split(";"):
        key, sep, value = piece.partition("=")
        if sep:
            parts[key.strip().lower()] = value.strip()
    if parts.get("useembeddedstorage", "").lower() != "true" or not parts.get("path"):
        return None
    path = Path(parts["path"]).expanduser()
    return path if path.is_absolute() else Path.cwd() / path


class LocalQueue:
    """A queue file. Safe to share between threads; several processes may open the same file."""

    def __init__(self, path: Path | str, *, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = sqlite3.connect(
            self.path, timeout=30.0, isolation_level=None, check_same_thread=False
        )
        self._db.execute("PRAGMA busy_timeout = 30000")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.executescript(_SCHEMA)

    # -- public API ----------------------------------------------------------------------------

    def send(self, queue: str, body: str, delay_seconds: int = 0) -> str:
        """Enqueue ``body``; it becomes visible after ``delay_seconds``. Returns the message id."""
        validate_queue_name(queue)
        if not isinstance(body, str):
            raise TypeError("message body must be str")
        if len(body.encode("utf-8")) > MAX_BODY_BYTES:
            raise ValueError(f"message body is larger than {MAX_BODY_BYTES} bytes")
        _check_seconds("delay_seconds", delay_seconds)
        message_id = str(uuid.uuid4())
        now = self._clock()
        with self._transaction() as db:
            db.execute(
                "INSERT INTO messages (queue, id, body, inserted_at, next_visible_at) VALUES (?, ?, ?, ?, ?)",
                (queue, message_id, body, now, now + delay_seconds),
            )
        return message_id

    def receive(self, queue: str, max_messages: int = 1, visibility_timeout: int = 30) -> list[Message]:
        """Take up to ``max_messages`` visible messages, hiding them for ``visibility_timeout`` seconds.

        Each receipt increments the dequeue count and issues a new pop receipt, which invalidates
        the previous one.
        """
        validate_queue_name(queue)
        if not 1 <= max_messages <= MAX_MESSAGES_PER_RECEIVE:
            raise ValueError(f"max_messages must be 1..{MAX_MESSAGES_PER_RECEIVE}")
        _check_seconds("visibility_timeout", visibility_timeout)
        now = self._clock()
        hidden_until = now + visibility_timeout
        taken: list[Message] = []
        with self._transaction() as db:
            rows = db.execute(
                "SELECT id, body, dequeue_count, inserted_at FROM messages "
                "WHERE queue = ? AND next_visible_at <= ? ORDER BY seq LIMIT ?",
                (queue, now, max_messages),
            ).fetchall()
            for message_id, body, dequeue_count, inserted_at in rows:
                receipt = uuid.uuid4().hex
                db.execute(
                    "UPDATE messages SET dequeue_count = ?, next_visible_at = ?, pop_receipt = ? WHERE id = ?",
                    (dequeue_count + 1, hidden_until, receipt, message_id),
                )
                taken.append(Message(message_id, body, dequeue_count + 1, inserted_at, receipt, hidden_until))
        return taken

    def delete(self, queue: str, message_id: str, pop_receipt: str) -> None:
        """Remove a received message; ``MessageNotFound`` if it is gone or the receipt is stale."""
        validate_queue_name(queue)
        with self._transaction() as db:
            cursor = db.execute(
                "DELETE FROM messages WHERE queue = ? AND id = ? AND pop_receipt = ?",
                (queue, message_id, pop_receipt),
            )
            if cursor.rowcount == 0:
                raise MessageNotFound(f"message {message_id} not found or pop receipt is stale")

    def update_visibility(
        self, queue: str, message_id: str, pop_receipt: str, visibility_timeout: int
    ) -> str:
        """Hide a received message for ``visibility_timeout`` more seconds (0 = visible now).

        Returns the new pop receipt; the old one stops working.
        """
        validate_queue_name(queue)
        _check_seconds("visibility_timeout", visibility_timeout)
        receipt = uuid.uuid4().hex
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE messages SET next_visible_at = ?, pop_receipt = ? "
                "WHERE queue = ? AND id = ? AND pop_receipt = ?",
                (self._clock() + visibility_timeout, receipt, queue, message_id, pop_receipt),
            )
            if cursor.rowcount == 0:
                raise MessageNotFound(f"message {message_id} not found or pop receipt is stale")
        return receipt

    def count(self, queue: str) -> int:
        """Messages in the queue, visible or not (like Azure's approximate message count)."""
        validate_queue_name(queue)
        with self._transaction() as db:
            (n,) = db.execute("SELECT COUNT(*) FROM messages WHERE queue = ?", (queue,)).fetchone()
        return int(n)

    def queues(self) -> list[str]:
        """Names of the queues that currently hold messages."""
        with self._transaction() as db:
            rows = db.execute("SELECT DISTINCT queue FROM messages ORDER BY queue").fetchall()
        return [row[0] for row in rows]

    def clear(self, queue: str) -> int:
        """Drop every message of ``queue``; returns how many were dropped."""
        validate_queue_name(queue)
        with self._transaction() as db:
            return db.execute("DELETE FROM messages WHERE queue = ?", (queue,)).rowcount

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def __enter__(self) -> LocalQueue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals -----------------------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction at a time per process (thread lock) and per file (IMMEDIATE)."""
        with self._lock:
            if self._db is None:
                raise RuntimeError("queue is closed")
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")


def _check_seconds(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_VISIBILITY_SECONDS:
        raise ValueError(f"{name} must be whole seconds in 0..{MAX_VISIBILITY_SECONDS}")
