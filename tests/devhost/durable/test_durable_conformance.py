"""Durable behaviours of the local host checked against what Azure does (issue 17)."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

import azure.durable_functions as df
import httpx
import pytest
from durable_harness import Harness, running_engine

from devhost.durable.versioning import compare_versions
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


VERSIONED = {"extensions": {"durableTask": {"defaultVersion": "2.0"}}}


async def test_new_instances_get_the_default_version_or_the_one_given(tmp_path: Path) -> None:
    async with running_engine(tmp_path / "state", app="versioned_app", host_json=VERSIONED) as host:
        current = await host.client.start_new("billing")
        pinned = await host.client.start_new("billing", version="1.0")
        assert (await host.wait(current)).output == "v2 path: charged under 2.0"
        assert (await host.wait(pinned)).output == "v1 path"
        started = host.engine.history_events(pinned)[1]
        assert started["EventType"] == 0 and started["Version"] == "1.0"
        parent = await host.client.start_new("billing_parent")
        assert (await host.wait(parent)).output == ["v2 path: charged under 2.0", "v1 path"]
        looped = await host.client.start_new("billing_loop", version="1.5")
        assert (await host.wait(looped)).output == "1.5"  # kept across continue_as_new
        async with httpx.AsyncClient(base_url=host.api, headers=host.key_header) as http:
            r = await http.post("/orchestrators/billing?version=1.0")
            assert r.status_code == 202
        assert (await host.wait(r.json()["id"])).output == "v1 path"


async def test_without_a_default_version_instances_have_none(host: Harness) -> None:
    instance_id = await host.client.start_new("chain", None, ["V"])
    await host.wait(instance_id)
    assert host.engine.history_events(instance_id)[1]["Version"] == ""


async def test_a_newer_instance_is_left_unrun_by_default(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="devhost.durable")
    async with running_engine(tmp_path / "state", app="versioned_app", host_json=VERSIONED) as host:
        newer = await host.client.start_new("billing", version="3.0")
        older = await host.client.start_new("billing", version="1.0")
        assert (await host.wait(older)).output == "v1 path"
        status = await host.client.get_status(newer)
        assert (
            status.runtime_status.value == "Pending"
        )  # versionFailureStrategy Reject: kept for a newer worker
    assert any("greater than the worker version '2.0'" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("match", "version", "reason"),
    [
        (
            "CurrentOrOlder",
            "10.0",
            "The orchestration version '10.0' is greater than the worker version '2.0'.",
        ),
        ("Strict", "1.0", "The orchestration version '1.0' does not match the worker version '2.0'."),
    ],
)
async def test_a_mismatched_instance_fails_with_the_fail_strategy(
    tmp_path: Path, match: str, version: str, reason: str
) -> None:
    options = {"defaultVersion": "2.0", "versionMatchStrategy": match, "versionFailureStrategy": "Fail"}
    host_json = {"extensions": {"durableTask": options}}
    async with running_engine(tmp_path / "state", app="versioned_app", host_json=host_json) as host:
        instance_id = await host.client.start_new("billing", version=version)
        status = await host.wait(instance_id)
        assert status.runtime_status.value == "Failed"
        assert reason in status.output
        ok = await host.client.start_new("billing")
        assert (await host.wait(ok)).output == "v2 path: charged under 2.0"


async def test_an_unknown_version_strategy_fails_the_start(tmp_path: Path) -> None:
    host_json = {"extensions": {"durableTask": {"versionMatchStrategy": "Newest"}}}
    with pytest.raises(HostStartError) as info:
        async with running_engine(tmp_path / "state", app="versioned_app", host_json=host_json):
            pass
    assert "versionMatchStrategy" in str(info.value)


def test_versions_compare_as_documented() -> None:
    assert compare_versions("1.10", "1.9") > 0  # System.Version parts, not text
    assert compare_versions("", "0.1") < 0 and compare_versions(None, "") == 0
    assert compare_versions("Release-B", "release-a") > 0 and compare_versions("v2", "V2") == 0
    assert compare_versions("2025-01-02", "2025-01-10") < 0


async def test_a_long_orchestrator_replay_does_not_hold_up_http_requests(tmp_path: Path) -> None:
    """The episode runs in the SDK thread: while it blocks, HTTP triggers and the management API answer."""
    async with running_engine(tmp_path / "state", app="gated_app") as host:
        app_module = sys.modules["function_app"]
        instance_id = await host.client.start_new("gated")
        assert await asyncio.to_thread(app_module.ENTERED.wait, 10)
        try:
            async with httpx.AsyncClient(timeout=5) as http:
                assert (await http.get(f"{host.base_url}/api/ping")).text == "pong"
                status = await http.get(f"{host.api}/instances/{instance_id}", headers=host.key_header)
                assert status.json()["runtimeStatus"] in ("Pending", "Running")
            await host.client.signal_entity(df.EntityId("Tally", "t"), "add")  # queued behind the episode
        finally:
            app_module.GATE.set()
        assert (await host.wait(instance_id)).output is True  # released by the test, not by the time-out
        for _ in range(200):
            state = await host.client.read_entity_state(df.EntityId("Tally", "t"))
            if state.entity_exists:
                break
            await asyncio.sleep(0.02)
        assert state.entity_state == 1


async def test_terminate_and_suspend_during_a_running_episode_win(tmp_path: Path) -> None:
    async with running_engine(tmp_path / "state", app="gated_app") as host:
        app_module = sys.modules["function_app"]
        ended = await host.client.start_new("gated")
        assert await asyncio.to_thread(app_module.ENTERED.wait, 10)
        await host.client.terminate(ended, "stop")
        app_module.ENTERED.clear()
        second = await host.client.start_new("gated")
        app_module.GATE.set()  # the terminated one's episode finishes now; its result must be dropped
        await host.wait(ended)
        assert (await host.wait(second)).output is True
        status = await host.client.get_status(ended)
        assert status.runtime_status.value == "Terminated" and status.output == "stop"

        app_module.GATE.clear()
        app_module.ENTERED.clear()
        held = await host.client.start_new("gated")
        assert await asyncio.to_thread(app_module.ENTERED.wait, 10)
        await host.client.suspend(held, "hold")
        app_module.GATE.set()
        for _ in range(50):
            await asyncio.sleep(0.02)
        assert (await host.client.get_status(held)).runtime_status.value == "Suspended"
        await host.client.resume(held, "go")
        assert (await host.wait(held)).output is True


async def test_custom_classes_and_a_class_style_entity(tmp_path: Path) -> None:
    async with running_engine(tmp_path / "state", app="custom_types_app") as host:
        instance_id = await host.client.start_new("ordering")
        status = await host.wait(instance_id)
        assert status.runtime_status.value == "Completed", status.output
        assert status.output == {"item": "cups", "quantity": 6, "cart": 6}
