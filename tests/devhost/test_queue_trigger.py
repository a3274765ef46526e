"""Queue triggers on the embedded queue and on Azurite: delivery, metadata, retries, poison queue."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.storage.queue import QueueClient

from devhost.config import HostConfigError
from devhost.host import HostStartError, LocalHost
from localqueue import LocalQueue

APP = Path(__file__).parent / "apps" / "queue_app"
MAX_DEQUEUE = 3  # the app's host.json


async def eventually(check: Callable[[], Any], timeout: float = 15.0) -> Any:
    """Poll ``check`` until it returns something truthy (the host works in the background)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = check()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


def records(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


class EmbeddedSide:
    def __init__(self, tmp: Path) -> None:
        self.path = tmp / "queues.sqlite3"
        self.connection = f"UseEmbeddedStorage=true;Path={self.path}"
        self.store = LocalQueue(self.path)

    def send(self, body: str) -> None:
        self.store.send("jobs", body)

    def drain(self, queue: str) -> list[str]:
        messages = self.store.receive(queue, 32, 60) if self.store.count(queue) else []
        return [m.body for m in messages]

    def count(self, queue: str) -> int:
        return self.store.count(queue)

    def close(self) -> None:
        self.store.close()


class AzureSide:
    def __init__(self, connection: str, prefix: str) -> None:
        self.connection = connection
        self.prefix = prefix

    def client(self, queue: str) -> QueueClient:
        return QueueClient.from_connection_string(self.connection, queue)

    def send(self, body: str) -> None:
        with self.client("jobs") as q:
            with contextlib.suppress(ResourceExistsError):
                q.create_queue()
            q.send_message(base64.b64encode(body.encode()).decode())  # what the Functions host expects

    def drain(self, queue: str) -> list[str]:
        with self.client(queue) as q:
            try:
                return [base64.b64decode(m.content).decode() for m in q.receive_messages(max_messages=32)]
            except Exception:
                return []

    def count(self, queue: str) -> int:
        with self.client(queue) as q:
            try:
                return int(q.get_queue_properties().approximate_message_count or 0)
            except Exception:
                return 0

    def close(self) -> None:
        for queue in ("jobs", "jobs-done", "jobs-poison"):
            with self.client(queue) as q, contextlib.suppress(ResourceNotFoundError):
                q.delete_queue()


async def run_scenario(side: EmbeddedSide | AzureSide, tmp_path: Path) -> None:
    results = tmp_path / "results.jsonl"
    env = {"JobsConnection": side.connection, "QUEUE_RESULTS": str(results)}
    async with LocalHost(APP, tmp_path / "state", port=0, env=env):
        side.send("hello")
        done = await eventually(lambda: side.drain("jobs-done"))
        assert done == ["done:hello"]
        first = records(results)[0]
        assert first["body"] == "hello"
        assert first["dequeue_count"] == 1
        assert first["id"] and first["pop_receipt"]
        assert first["insertion_time"] and first["expiration_time"] > first["insertion_time"]
        assert first["next_visible"] > first["insertion_time"]

        side.send("fail-always")
        poison = await eventually(lambda: side.drain("jobs-poison"))
        assert poison == ["fail-always"]
        attempts = [r["dequeue_count"] for r in records(results) if r["body"] == "fail-always"]
        assert attempts == list(range(1, MAX_DEQUEUE + 1))  # retried, then moved, never run again
        assert await eventually(lambda: side.count("jobs") == 0)

        for n in range(10):
            side.send(f"batch-{n}")
        delivered: list[str] = []

        def all_done() -> bool:
            delivered.extend(side.drain("jobs-done"))
            return len(delivered) == 10

        await eventually(all_done)
        assert sorted(delivered) == sorted(f"done:batch-{n}" for n in range(10))


async def test_embedded_queue_trigger_delivers_retries_and_poisons(tmp_path: Path) -> None:
    side = EmbeddedSide(tmp_path)
    try:
        await run_scenario(side, tmp_path)
    finally:
        side.close()


@pytest.mark.azure
async def test_azurite_queue_trigger_delivers_retries_and_poisons(tmp_path: Path, azurite: str) -> None:
    side = AzureSide(azurite, tmp_path.name)
    try:
        await run_scenario(side, tmp_path)
    finally:
        side.close()


async def test_failed_message_is_retried_after_the_visibility_timeout(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "function_app.py").write_text((APP / "function_app.py").read_text())
    (app / "host.json").write_text(
        json.dumps(
            {
                "version": "2.0",
                "extensions": {
                    "queues": {"visibilityTimeout": "00:00:02", "maxPollingInterval": "00:00:00.1"}
                },
            }
        )
    )
    side = EmbeddedSide(tmp_path)
    results = tmp_path / "results.jsonl"
    env = {"JobsConnection": side.connection, "QUEUE_RESULTS": str(results)}
    try:
        async with LocalHost(app, tmp_path / "state", port=0, env=env):
            side.send("fail-twice")
            await eventually(lambda: len(records(results)) >= 2, timeout=10)
            first, second = records(results)[:2]
            assert (first["dequeue_count"], second["dequeue_count"]) == (1, 2)
            assert second["at"] - first["at"] >= 1.9  # hidden for visibilityTimeout after the failure
    finally:
        side.close()


async def test_missing_connection_setting_fails_the_start_by_name(tmp_path: Path) -> None:
    host = LocalHost(APP, tmp_path / "state", port=0, env={"QUEUE_RESULTS": str(tmp_path / "r.jsonl")})
    with pytest.raises(HostStartError, match="JobsConnection"):
        await host.start()


async def test_bad_host_json_fails_the_start_clearly(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "function_app.py").write_text((APP / "function_app.py").read_text())
    (app / "host.json").write_text('{"version": "2.0", "extensions": {"queues": {"batchSize": 64}}}')
    with pytest.raises(HostConfigError, match="batchSize"):
        await LocalHost(app, tmp_path / "state", port=0).start()
