"""The Azure Storage queue store (``azure.storage.queue.aio``), with the same contract as the embedded one.

Messages are base64-encoded on send (``TextBase64EncodePolicy``) because that is what a Functions
queue trigger expects by default (``extensions.queues.messageEncoding = base64``), and decoded on
receive. Queues are created on first send. Messages never expire (``time_to_live=-1``), like the
embedded queue; a consumer deletes them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from contextlib import suppress
from typing import TypeVar

from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.storage.queue import QueueMessage as AzureMessage
from azure.storage.queue import TextBase64DecodePolicy, TextBase64EncodePolicy
from azure.storage.queue.aio import QueueClient, QueueServiceClient

from reddytalk.errors import (
    ConfigurationError,
    Conflict,
    NotFound,
    ReddyTalkError,
    ServiceUnavailable,
    ValidationFailed,
)
from reddytalk.stores.queues import limits
from reddytalk.stores.queues.base import QueueMessage

T = TypeVar("T")

_STALE_RECEIPT_CODES = {"PopReceiptMismatch", "MessageNotFound", "InvalidQueryParameterValue"}


class AzureQueueStore:
    """``QueueStore`` on Azure Queue Storage (or Azurite)."""

    def __init__(self, connection_string: str, *, timeout_seconds: float = 20.0, retries: int = 3) -> None:
        self._connection_string = connection_string
        self._timeout = timeout_seconds
        self._retries = retries
        self._service: QueueServiceClient | None = None
        self._queues: dict[str, QueueClient] = {}
        self._created: set[str] = set()

    def _queue(self, name: str) -> QueueClient:
        if self._service is None:
            try:
                self._service = QueueServiceClient.from_connection_string(
                    self._connection_string,
                    retry_total=self._retries,
                    retry_connect=self._retries,
                    retry_read=self._retries,
                    retry_backoff_factor=0.2,
                    retry_backoff_max=2,
                    connection_timeout=self._timeout,
                    read_timeout=self._timeout,
                )
            except ValueError:
                raise ConfigurationError(
                    "QUEUES_CONNECTION is not a valid Azure Storage connection string"
                ) from None
        client = self._queues.get(name)
        if client is None:
            client = self._service.get_queue_client(
                name,
                message_encode_policy=TextBase64EncodePolicy(),
                message_decode_policy=TextBase64DecodePolicy(),
            )
            self._queues[name] = client
        return client

    async def send(self, queue: str, body: str, *, delay_seconds: int = 0) -> str:
        limits.check_queue(queue)
        limits.check_body(body)
        limits.check_seconds("delay_seconds", delay_seconds)
        client = self._queue(queue)
        if queue not in self._created:
            with suppress(Conflict):  # already there
                await _call(client.create_queue())
            self._created.add(queue)
        sent = await _call(
            client.send_message(body, visibility_timeout=delay_seconds or None, time_to_live=-1)
        )
        return str(sent.id)

    async def receive(
        self, queue: str, *, max_messages: int = 1, visibility_timeout: int = 30
    ) -> list[QueueMessage]:
        limits.check_queue(queue)
        limits.check_batch(max_messages)
        limits.check_seconds("visibility_timeout", visibility_timeout, minimum=1)
        client = self._queue(queue)

        async def collect() -> list[AzureMessage]:
            pager = client.receive_messages(
                messages_per_page=max_messages,
                visibility_timeout=visibility_timeout,
                max_messages=max_messages,
            )
            return [message async for message in pager]

        try:
            taken = await _call(collect())
        except NotFound:
            return []  # the queue does not exist yet: nothing to receive
        return [_message(m) for m in taken]

    async def delete(self, queue: str, message_id: str, pop_receipt: str) -> None:
        limits.check_queue(queue)
        limits.check_receipt(message_id, pop_receipt)
        await _call(self._queue(queue).delete_message(message_id, pop_receipt), receipt=True)

    async def update_visibility(
        self, queue: str, message_id: str, pop_receipt: str, visibility_timeout: int
    ) -> str:
        limits.check_queue(queue)
        limits.check_receipt(message_id, pop_receipt)
        limits.check_seconds("visibility_timeout", visibility_timeout)
        call = self._queue(queue).update_message(
            message_id, pop_receipt, visibility_timeout=visibility_timeout
        )
        updated = await _call(call, receipt=True)
        return str(updated.pop_receipt)

    async def close(self) -> None:
        queues, self._queues = self._queues, {}
        for client in queues.values():
            await client.close()
        if self._service is not None:
            service, self._service = self._service, None
            await service.close()
            await asyncio.sleep(0)  # let aiohttp finish closing its transports on this loop
        self._created.clear()


def _message(m: AzureMessage) -> QueueMessage:
    return QueueMessage(
        id=str(m.id),
        body=str(m.content),
        dequeue_count=int(m.dequeue_count or 0),
        inserted_at=m.inserted_on.timestamp() if m.inserted_on else 0.0,
        pop_receipt=str(m.pop_receipt),
    )


async def _call(operation: Awaitable[T], *, receipt: bool = False) -> T:
    """Await an SDK operation, translating its failures into our error types."""
    try:
        return await operation
    except ReddyTalkError:
        raise
    except ResourceNotFoundError:
        raise NotFound("queue message not found, or its pop receipt is stale") from None
    except ResourceExistsError:
        raise Conflict("the queue already exists") from None
    except ClientAuthenticationError:
        raise ConfigurationError("Azure Storage refused the credentials (check QUEUES_CONNECTION)") from None
    except (ServiceRequestError, ServiceResponseError) as exc:
        raise ServiceUnavailable(f"Azure Queue Storage is unreachable ({type(exc).__name__})") from None
    except HttpResponseError as exc:
        if receipt and (
            exc.status_code in (400, 404) or getattr(exc, "error_code", None) in _STALE_RECEIPT_CODES
        ):
            raise NotFound("queue message not found, or its pop receipt is stale") from None
        if exc.status_code == 400:
            raise ValidationFailed("Azure Queue Storage refused the request as invalid") from None
        if exc.status_code in (401, 403):
            raise ConfigurationError(
                "Azure Storage refused the credentials (check QUEUES_CONNECTION)"
            ) from None
        raise ServiceUnavailable(f"Azure Queue Storage is unavailable (HTTP {exc.status_code})") from None
    except AzureError as exc:
        raise ServiceUnavailable(f"Azure Queue Storage request failed ({type(exc).__name__})") from None
