"""A small embedded message queue on SQLite, shared by the app's queue store and the local host.

It mimics the semantics of Azure Storage queues that the app relies on: at-least-once delivery,
a visibility timeout per received message, a dequeue count, and pop receipts that go stale when a
message is received again or its visibility is updated. One SQLite file (WAL mode) holds every
queue, so several threads and processes can share it; each receive is one ``BEGIN IMMEDIATE``
transaction, so two consumers never get the same message while it is invisible.
"""

from __future__ import annotations

from localqueue.core import (
    InvalidQueueName,
    LocalQueue,
    Message,
    MessageNotFound,
    connection_path,
    validate_queue_name,
)

__all__ = [
    "InvalidQueueName",
    "LocalQueue",
    "Message",
    "MessageNotFound",
    "connection_path",
    "validate_queue_name",
]
