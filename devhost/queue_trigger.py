"""Queue triggers: poll a queue, run the function per message, retry, and move poison messages.

Mirrors the WebJobs queue listener: up to ``batchSize`` messages per receive, a new batch once no
more than ``newBatchThreshold`` are still running, exponential back-off up to ``maxPollingInterval``
while the queue is empty. A failed message becomes visible again after ``visibilityTimeout``; once
its dequeue count reaches ``maxDequeueCount`` it moves to ``<queue>-poison``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
from typing import Any

from azure.functions import meta
from azure.functions.queue import QueueMessageInConverter

from devhost.config import QueueOptions
from devhost.functions import FunctionInfo
from devhost.invoke import Runner
from devhost.queue_backends import QueueBackend, ReceivedMessage

log = logging.getLogger("devhost.queue")

MIN_POLLING_INTERVAL = 0.1
RECEIVE_VISIBILITY = 600.0  # hidden while the function runs (the function timeout); released on failure
POISON_SUFFIX = "-poison"


def poison_queue_name(queue: str) -> str | None:
    """``<queue>-poison``, or None when the name already is one or would get too long."""
    if queue.endswith(POISON_SUFFIX) or len(queue) + len(POISON_SUFFIX) > 63:
        return None
    return queue + POISON_SUFFIX


def build_message(message: ReceivedMessage) -> Any:
    """The ``func.QueueMessage`` the worker builds from the host's data and trigger metadata."""
    metadata = {
        "Id": meta.Datum(message.id, "string"),
        "DequeueCount": meta.Datum(json.dumps(message.dequeue_count), "json"),
        "InsertionTime": meta.Datum(json.dumps(_iso(message.insertion_time)), "json"),
        "ExpirationTime": meta.Datum(json.dumps(_iso(message.expiration_time)), "json"),
        "NextVisibleTime": meta.Datum(json.dumps(_iso(message.next_visible_time)), "json"),
        "PopReceipt": meta.Datum(message.pop_receipt, "string"),
    }
    kind = "bytes" if isinstance(message.body, bytes) else "string"
    return QueueMessageInConverter.decode(meta.Datum(message.body, kind), trigger_metadata=metadata)


class QueueListener:
    def __init__(
        self,
        function: FunctionInfo,
        queue: QueueBackend,
        poison: QueueBackend | None,
        options: QueueOptions,
        invoker: Runner,
    ) -> None:
        self.function = function
        self.queue = queue
        self.poison = poison
        self.options = options
        self.invoker = invoker
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._poll(), name=f"queue-{self.function.name}")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            await self._task
        if self._running:
            await asyncio.wait(self._running, timeout=10)
        for task in self._running:
            task.cancel()

    async def _poll(self) -> None:
        threshold = max(0, self.options.new_batch_threshold)
        stop_waiter = asyncio.create_task(self._stopping.wait())
        try:
            await self._poll_until_stopped(threshold, stop_waiter)
        finally:
            stop_waiter.cancel()

    async def _poll_until_stopped(self, threshold: int, stop_waiter: asyncio.Task[Any]) -> None:
        delay = MIN_POLLING_INTERVAL
        while not self._stopping.is_set():
            if len(self._running) > threshold:
                await asyncio.wait(self._running | {stop_waiter}, return_when=asyncio.FIRST_COMPLETED)
                continue
            try:
                messages = await self.queue.receive(self.options.batch_size, RECEIVE_VISIBILITY)
            except Exception as exc:
                log.warning("receive from queue %s failed: %s", self.queue.name, type(exc).__name__)
                messages = []
            if messages:
                delay = MIN_POLLING_INTERVAL
                for message in messages:
                    task = asyncio.create_task(self._process(message))
                    self._running.add(task)
                    task.add_done_callback(self._running.discard)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)
            delay = min(delay * 2, self.options.max_polling_interval)

    async def _process(self, message: ReceivedMessage) -> None:
        if message.dequeue_count > self.options.max_dequeue_count and self.poison is not None:
            await self._move_to_poison(message)
            return
        try:
            await self.invoker.invoke(self.function, build_message(message))
        except Exception:
            log.exception(
                "function %s failed on message %s (dequeue count %d)",
                self.function.name,
                message.id,
                message.dequeue_count,
            )
            if message.dequeue_count >= self.options.max_dequeue_count and self.poison is not None:
                await self._move_to_poison(message)
            else:
                await self.queue.release(message, self.options.visibility_timeout)
            return
        await self.queue.delete(message)

    async def _move_to_poison(self, message: ReceivedMessage) -> None:
        assert self.poison is not None
        log.warning("message %s moved to %s", message.id, self.poison.name)
        await self.poison.send(message.body)
        await self.queue.delete(message)


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
