"""The queues a host binding can name: the embedded SQLite queue or an Azure Storage account.

A binding's ``connection`` names an app setting; its value decides the backend:
``UseEmbeddedStorage=true;Path=...`` is the embedded queue (``localqueue``), anything else is an Azure
Storage connection string (Azurite locally). Azure message text is base64, as the real host writes
and expects it; embedded messages are stored as plain text.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.storage.queue.aio import QueueClient

from localqueue import LocalQueue, MessageNotFound, connection_path

EMBEDDED_TTL = dt.timedelta(days=7)  # what Azure gives a message by default


@dataclass
class ReceivedMessage:
    id: str
    body: str | bytes
    dequeue_count: int
    insertion_time: dt.datetime
    expiration_time: dt.datetime
    next_visible_time: dt.datetime
    pop_receipt: str


class QueueBackend(Protocol):
    name: str

    async def receive(self, max_messages: int, visibility_timeout: float) -> list[ReceivedMessage]: ...
    async def delete(self, message: ReceivedMessage) -> None: ...
    async def release(self, message: ReceivedMessage, visibility_timeout: float) -> None: ...
    async def send(self, body: str | bytes) -> None: ...
    async def close(self) -> None: ...


class EmbeddedQueue:
    """One queue in a ``localqueue`` file; blocking SQLite calls run in a worker thread."""

    def __init__(self, store: LocalQueue, name: str) -> None:
        self.store = store
        self.name = name

    async def receive(self, max_messages: int, visibility_timeout: float) -> list[ReceivedMessage]:
        messages = await asyncio.to_thread(
            self.store.receive, self.name, max_messages, math.ceil(visibility_timeout)
        )
        return [
            ReceivedMessage(
                id=m.id,
                body=m.body,
                dequeue_count=m.dequeue_count,
                insertion_time=_utc(m.inserted_at),
                expiration_time=_utc(m.inserted_at) + EMBEDDED_TTL,
                next_visible_time=_utc(m.next_visible_at),
                pop_receipt=m.pop_receipt,
            )
            for m in messages
        ]

    async def delete(self, message: ReceivedMessage) -> None:
        # A stale receipt means someone took it after its visibility ran out: at-least-once, like Azure.
        with contextlib.suppress(MessageNotFound):
            await asyncio.to_thread(self.store.delete, self.name, message.id, message.pop_receipt)

    async def release(self, message: ReceivedMessage, visibility_timeout: float) -> None:
        with contextlib.suppress(MessageNotFound):
            await asyncio.to_thread(
                self.store.update_visibility,
                self.name,
                message.id,
                message.pop_receipt,
                math.ceil(visibility_timeout),
            )

    async def send(self, body: str | bytes) -> None:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        await asyncio.to_thread(self.store.send, self.name, text)

    async def close(self) -> None:
        """The ``LocalQueue`` file is shared; ``QueueFactory.close`` closes it."""


class AzureQueue:
    """One Azure Storage queue (Azurite or Azure) through ``azure-storage-queue``."""

    def __init__(self, connection_string: str, name: str) -> None:
        self.name = name
        self.client = QueueClient.from_connection_string(connection_string, name)
        self._created = False

    async def _ensure(self) -> None:
        if not self._created:
            with contextlib.suppress(ResourceExistsError):
                await self.client.create_queue()
            self._created = True

    async def receive(self, max_messages: int, visibility_timeout: float) -> list[ReceivedMessage]:
        await self._ensure()
        pager = self.client.receive_messages(
            messages_per_page=max_messages,
            visibility_timeout=max(1, math.ceil(visibility_timeout)),
            max_messages=max_messages,
        )
        result = []
        async for m in pager:
            result.append(
                ReceivedMessage(
                    id=m.id,
                    body=_decode_base64(m.content),
                    dequeue_count=int(m.dequeue_count or 1),
                    insertion_time=m.inserted_on or _now(),
                    expiration_time=m.expires_on or _now() + EMBEDDED_TTL,
                    next_visible_time=m.next_visible_on or _now(),
                    pop_receipt=m.pop_receipt or "",
                )
            )
        return result

    async def delete(self, message: ReceivedMessage) -> None:
        with contextlib.suppress(ResourceNotFoundError):
            await self.client.delete_message(message.id, message.pop_receipt)

    async def release(self, message: ReceivedMessage, visibility_timeout: float) -> None:
        with contextlib.suppress(ResourceNotFoundError):
            await self.client.update_message(
                message.id, message.pop_receipt, visibility_timeout=math.ceil(visibility_timeout)
            )

    async def send(self, body: str | bytes) -> None:
        await self._ensure()
        raw = body.encode("utf-8") if isinstance(body, str) else body
        await self.client.send_message(base64.b64encode(raw).decode("ascii"))

    async def close(self) -> None:
        await self.client.close()


class QueueFactory:
    """Opens queues by (connection string, name), sharing one ``LocalQueue`` per embedded file."""

    def __init__(self) -> None:
        self._local: dict[Path, LocalQueue] = {}
        self._open: list[QueueBackend] = []

    def open(self, connection_string: str, name: str) -> QueueBackend:
        path = connection_path(connection_string)
        backend: QueueBackend
        if path is not None:
            store = self._local.get(path)
            if store is None:
                store = self._local[path] = LocalQueue(path)
            backend = EmbeddedQueue(store, name)
        else:
            backend = AzureQueue(connection_string, name)
        self._open.append(backend)
        return backend

    async def close(self) -> None:
        for backend in self._open:
            await backend.close()
        self._open.clear()
        for store in self._local.values():
            store.close()
        self._local.clear()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _utc(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.UTC)


def _decode_base64(content: str | bytes) -> str | bytes:
    """The host decodes base64 message text; UTF-8 payloads reach the function as str."""
    text = content.decode("ascii", "replace") if isinstance(content, bytes) else content
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return text  # not base64: the real host would fail the message; hand it over as written
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw
