"""Durable behaviours of the local host checked against what Azure does (issue 17)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import azure.durable_functions as df
import pytest
from durable_harness import Harness, running_engine

from devhost.host import HostStartError, LocalHost
from localqueue import LocalQueue


async def test_a_failed_entity_operation_from_a_signal_is_logged(
    host: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="devhost.durable")
    entity = df.EntityId("Counter", "signalled")
    await host.client.signal_entity(entity, "explode")
    await host.client.signal_entity(entity, "add", 5)
    for _ in range(200):
        state = await host.client.read_entity_state(entity)
        if state.entity_exists and state.entity_state == 5:
            break
        await asyncio.sleep(0.02)
    assert state.entity_state == 5  # the failure did not stop the entity
    failures = [r.getMessage() for r in caplog.records if "entity operation failed" in r.getMessage()]
    assert len(failures) == 1
    assert "counter(signalled).explode" in failures[0] and "bad op" in failures[0]


async def test_activities_get_their_other_bindings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    queues = tmp_path / "queues.sqlite3"
    monkeypatch.setenv("JobsConnection", f"UseEmbeddedStorage=true;Path={queues}")
    async with running_engine(tmp_path / "state", app="activity_bindings_app") as host:
        instance_id = await host.client.start_new("orders")
        status = await host.wait(instance_id)
        assert status.runtime_status.value == "Completed", status.output
        assert status.output == ["A1", "who_am_i:7"]
    queue = LocalQueue(queues)
    try:
        assert [m.body for m in queue.receive("shipped", 5, 60)] == ["shipped a1"]
    finally:
        queue.close()


@pytest.mark.parametrize(
    ("decorators", "expected"),
    [
        (
            "@app.activity_trigger(input_name='x')\n"
            "@app.cosmos_db_output(arg_name='doc', database_name='d', container_name='c', connection='C')\n"
            "def act(x, doc): return x\n",
            "function act: output binding 'cosmosDB' is not supported",
        ),
        (
            "@app.queue_output(arg_name='q', queue_name='q', connection='C')\n"
            "@app.orchestration_trigger(context_name='context')\n"
            "def orch(context, q):\n    return 1\n",
            "function orch: a orchestrationTrigger function cannot have other bindings ('queue')",
        ),
    ],
)
async def test_a_binding_the_host_cannot_give_fails_the_start(
    tmp_path: Path, decorators: str, expected: str
) -> None:
    app = tmp_path / "app"
    app.mkdir()
    header = "import azure.durable_functions as df\napp = df.DFApp()\n"
    (app / "function_app.py").write_text(header + decorators)
    with pytest.raises(HostStartError) as info:
        await LocalHost(app, tmp_path / "state", port=0).start()
    assert expected in str(info.value)
