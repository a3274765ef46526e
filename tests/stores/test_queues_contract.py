"""One contract for every queue store: the embedded SQLite queue and Azure Queue Storage (Azurite)."""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from azure.storage.queue.aio import QueueClient

from reddytalk.errors import NotFound, ValidationFailed
from reddytalk.settings import Settings
from reddytalk.stores import open_queues
from reddytalk.stores.queues.base import QueueStore


@pytest.fixture(params=["embedded", pytest.param("azure", marks=pytest.mark.azure)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "embedded":
        return Settings.from_env({"QUEUES_CONNECTION": f"UseEmbeddedStorage=true;Path={tmp_path}/q.sqlite3"})
    return Settings.from_env({"QUEUES_CONNECTION": request.getfixturevalue("azurite")})


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[QueueStore]:
    queues = open_queues(settings)
    yield queues
    await queues.close()


@pytest.fixture
def queue() -> str:
    """A fresh queue per test (Azurite lives for the whole session)."""
    return f"q-{uuid.uuid4().hex[:16]}"


async def test_send_receive_delete(store: QueueStore, queue: str) -> None:
    body = '{"job": "train", "model": "v3", "note": "caf\u00e9"}'
    message_id = await store.send(queue, body)
    [msg] = await store.receive(queue, visibility_timeout=30)
    assert (msg.id, msg.body, msg.dequeue_count) == (message_id, body, 1)
    assert msg.inserted_at > 1_700_000_000
    assert msg.pop_receipt
    await store.delete(queue, msg.id, msg.pop_receipt)
    assert await store.receive(queue) == []


async def test_receive_batches_in_order(store: QueueStore, queue: str) -> None:
    for i in range(5):
        await store.send(queue, f"m{i}")
    first = await store.receive(queue, max_messages=3)
    second = await store.receive(queue, max_messages=3)
    assert len(first) == 3
    assert len(second) == 2
    assert sorted(m.body for m in first + second) == [f"m{i}" for i in range(5)]


async def test_visibility_timeout_redelivers_with_higher_dequeue_count(store: QueueStore, queue: str) -> None:
    await store.send(queue, "work")
    [first] = await store.receive(queue, visibility_timeout=1)
    assert await store.receive(queue) == []  # hidden while being worked on
    await asyncio.sleep(1.6)
    [again] = await store.receive(queue, visibility_timeout=30)
    assert again.id == first.id
    assert again.dequeue_count == 2
    with pytest.raises(NotFound):
        await store.delete(queue, first.id, first.pop_receipt)  # the first consumer lost it
    await store.delete(queue, again.id, again.pop_receipt)


async def test_update_visibility_releases_and_renews_receipt(store: QueueStore, queue: str) -> None:
    await store.send(queue, "retry-me")
    [msg] = await store.receive(queue, visibility_timeout=60)
    receipt = await store.update_visibility(queue, msg.id, msg.pop_receipt, 0)
    assert receipt != msg.pop_receipt
    [back] = await store.receive(queue, visibility_timeout=60)
    assert back.id == msg.id
    assert back.dequeue_count == 2
    with pytest.raises(NotFound):
        await store.update_visibility(queue, msg.id, receipt, 10)  # superseded by the second receive


async def test_delayed_send(store: QueueStore, queue: str) -> None:
    await store.send(queue, "later", delay_seconds=1)
    assert await store.receive(queue) == []
    await asyncio.sleep(1.6)
    assert [m.body for m in await store.receive(queue)] == ["later"]


async def test_receive_from_unknown_queue_is_empty(store: QueueStore, queue: str) -> None:
    assert await store.receive(queue) == []


async def test_delete_unknown_message(store: QueueStore, queue: str) -> None:
    await store.send(queue, "x")
    [msg] = await store.receive(queue)
    await store.delete(queue, msg.id, msg.pop_receipt)
    with pytest.raises(NotFound):
        await store.delete(queue, msg.id, msg.pop_receipt)


@pytest.mark.parametrize("name", ["ab", "Jobs", "a--b", "jobs_1", "-jobs"])
async def test_bad_queue_names_are_refused(store: QueueStore, name: str) -> None:
    with pytest.raises(ValidationFailed):
        await store.send(name, "x")


async def test_bad_arguments_are_refused(store: QueueStore, queue: str) -> None:
    with pytest.raises(ValidationFailed):
        await store.send(queue, "x" * (48 * 1024 + 1))
    with pytest.raises(ValidationFailed):
        await store.send(queue, "x", delay_seconds=-1)
    with pytest.raises(ValidationFailed):
        await store.receive(queue, max_messages=0)
    with pytest.raises(ValidationFailed):
        await store.receive(queue, max_messages=33)
    with pytest.raises(ValidationFailed):
        await store.receive(queue, visibility_timeout=0)


async def test_concurrent_consumers_share_without_duplicates(store: QueueStore, queue: str) -> None:
    for i in range(12):
        await store.send(queue, str(i))

    async def consume() -> list[str]:
        got: list[str] = []
        while batch := await store.receive(queue, max_messages=2, visibility_timeout=60):
            for msg in batch:
                await store.delete(queue, msg.id, msg.pop_receipt)
            got.extend(m.body for m in batch)
        return got

    results = await asyncio.gather(consume(), consume(), consume())
    assert sorted((b for r in results for b in r), key=int) == [str(i) for i in range(12)]


async def test_embedded_queue_persists_across_reopen(tmp_path: Path) -> None:
    settings = Settings.from_env({"QUEUES_CONNECTION": f"UseEmbeddedStorage=true;Path={tmp_path}/q.sqlite3"})
    first = open_queues(settings)
    await first.send("training-jobs", "job-1")
    await first.close()
    second = open_queues(settings)
    try:
        assert [m.body for m in await second.receive("training-jobs")] == ["job-1"]
    finally:
        await second.close()


@pytest.mark.azure
async def test_azure_messages_are_base64_as_a_functions_queue_trigger_expects(azurite: str) -> None:
    store = open_queues(Settings.from_env({"QUEUES_CONNECTION": azurite}))
    name = f"q-{uuid.uuid4().hex[:16]}"
    try:
        await store.send(name, '{"job": 1}')
    finally:
        await store.close()
    async with QueueClient.from_connection_string(azurite, name) as raw:
        [msg] = [m async for m in raw.receive_messages(max_messages=1)]
    assert base64.b64decode(msg.content).decode() == '{"job": 1}'
