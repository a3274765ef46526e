"""The embedded queue store: the ``localqueue`` SQLite file, shared with the local host's trigger poller.

Bodies are stored as plain text; the local host hands them to queue triggers as they are.
Calls run directly: each is one short SQLite transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from localqueue import LocalQueue, MessageNotFound
from reddytalk.errors import NotFound, ServiceUnavailable, ValidationFailed
from reddytalk.stores.queues import limits
from reddytalk.stores.queues.base import QueueMessage

T = TypeVar("T")


class EmbeddedQueueStore:
    """``QueueStore`` on a local SQLite file; created on first use, persistent across restarts."""

    def __init__(self, path: Path | str) -> None:
        try:
            self._queue = LocalQueue(Path(path))
        except sqlite3.Error as exc:
            raise ServiceUnavailable(f"cannot open the embedded queue store ({type(exc).__name__})") from None

    async def send(self, queue: str, body: str, *, delay_seconds: int = 0) -> str:
        limits.check_queue(queue)
        limits.check_body(body)
        limits.check_seconds("delay_seconds", delay_seconds)
        return _run(lambda: self._queue.send(queue, body, delay_seconds))

    async def receive(
        self, queue: str, *, max_messages: int = 1, visibility_timeout: int = 30
    ) -> list[QueueMessage]:
        limits.check_queue(queue)
        limits.check_batch(max_messages)
        limits.check_seconds("visibility_timeout", visibility_timeout, minimum=1)
        taken = _run(lambda: self._queue.receive(queue, max_messages, visibility_timeout))
        return [QueueMessage(m.id, m.body, m.dequeue_count, m.inserted_at, m.pop_receipt) for m in taken]

    async def delete(self, queue: str, message_id: str, pop_receipt: str) -> None:
        limits.check_queue(queue)
        limits.check_receipt(message_id, pop_receipt)
        _run(lambda: self._queue.delete(queue, message_id, pop_receipt))

    async def update_visibility(
        self, queue: str, message_id: str, pop_receipt: str, visibility_timeout: int
    ) -> str:
        limits.check_queue(queue)
        limits.check_receipt(message_id, pop_receipt)
        limits.check_seconds("visibility_timeout", visibility_timeout)
        return _run(lambda: self._queue.update_visibility(queue, message_id, pop_receipt, visibility_timeout))

    async def close(self) -> None:
        self._queue.close()


def _run(operation: Callable[[], T]) -> T:
    try:
        return operation()
    except MessageNotFound:
        raise NotFound("queue message not found, or its pop receipt is stale") from None
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from None
    except (sqlite3.Error, RuntimeError) as exc:
        raise ServiceUnavailable(f"embedded queue store failed ({type(exc).__name__})") from None
