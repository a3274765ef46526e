"""Writes documents with bounded concurrency, retrying throttling (429) and transient errors.

Every write is idempotent (upsert of a deterministic id, or delete where absence is success), so a
retry or a whole re-run never creates duplicates.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from reddytalk.errors import NotFound, ReddyTalkError, ValidationFailed
from reddytalk.stores.documents import rules
from reddytalk.stores.documents.base import DocumentStore

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class RetryPolicy:
    attempts: int = 8
    base_delay: float = 0.05
    max_delay: float = 5.0


@dataclass
class WriteStats:
    writes: int = 0
    retries: int = 0


def _retry_after(exc: ReddyTalkError) -> float | None:
    value = exc.detail.get("retry_after") if exc.detail else None
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


class Writer:
    """Bounded-concurrency, retrying front of a ``DocumentStore`` for bulk migration writes."""

    def __init__(
        self, store: DocumentStore, concurrency: int = 16, policy: RetryPolicy | None = None
    ) -> None:
        self.store = store
        self.concurrency = max(1, concurrency)
        self.policy = policy or RetryPolicy()
        self.stats = WriteStats()
        self._sem = asyncio.Semaphore(self.concurrency)

    async def _with_retry(self, op: Callable[[], Awaitable[T]]) -> T:
        attempt = 0
        while True:
            try:
                return await op()
            except ReddyTalkError as exc:
                attempt += 1
                if not exc.transient or attempt >= self.policy.attempts:
                    raise
                delay = _retry_after(exc) or min(
                    self.policy.max_delay, self.policy.base_delay * 2 ** (attempt - 1)
                )
                self.stats.retries += 1
                log.warning("store write retried", extra={"attempt": attempt, "code": exc.code})
                await asyncio.sleep(delay * (0.5 + random.random()))

    async def _bounded(self, op: Callable[[], Awaitable[T]]) -> T:
        async with self._sem:
            result = await self._with_retry(op)
            self.stats.writes += 1
            return result

    async def gather(self, ops: Sequence[Callable[[], Awaitable[T]]]) -> list[T]:
        """Run read operations with the same bound and retries as writes; results in order."""

        async def one(op: Callable[[], Awaitable[T]]) -> T:
            async with self._sem:
                return await self._with_retry(op)

        return list(await asyncio.gather(*(one(op) for op in ops)))

    async def upsert_all(self, container: str, docs: Sequence[dict[str, Any]]) -> None:
        async with asyncio.TaskGroup() as tg:
            for doc in docs:
                tg.create_task(self._bounded(lambda d=doc: self.store.upsert(container, d)))  # type: ignore[misc]

    async def delete_all(self, container: str, targets: Sequence[tuple[str, str]]) -> None:
        """Delete ``(id, partition_key)`` pairs; an already-absent document counts as deleted."""

        async def one(doc_id: str, pk: str) -> None:
            try:
                rules.check_id(doc_id)
                rules.check_id(pk, "partition key")
            except ValidationFailed:
                return  # no document can live under an id or partition key the store refuses
            try:
                await self.store.delete(container, doc_id, pk)
            except NotFound:
                return

        async with asyncio.TaskGroup() as tg:
            for doc_id, pk in targets:
                tg.create_task(self._bounded(lambda i=doc_id, p=pk: one(i, p)))  # type: ignore[misc]
