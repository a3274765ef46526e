"""The queue store contract (training jobs): at-least-once messages with visibility timeouts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class QueueMessage:
    id: str
    body: str
    dequeue_count: int
    inserted_at: float  # epoch seconds
    pop_receipt: str


class QueueStore(Protocol):
    """Implemented by ``EmbeddedQueueStore`` (the ``localqueue`` library) and ``AzureQueueStore``."""

    async def send(self, queue: str, body: str, *, delay_seconds: int = 0) -> str:
        """Enqueue; returns the message id."""
        ...

    async def receive(
        self, queue: str, *, max_messages: int = 1, visibility_timeout: int = 30
    ) -> list[QueueMessage]:
        """Dequeue up to ``max_messages``, hiding them for ``visibility_timeout`` seconds."""
        ...

    async def delete(self, queue: str, message_id: str, pop_receipt: str) -> None: ...

    async def update_visibility(
        self, queue: str, message_id: str, pop_receipt: str, visibility_timeout: int
    ) -> str:
        """Returns the new pop receipt."""
        ...

    async def close(self) -> None: ...
