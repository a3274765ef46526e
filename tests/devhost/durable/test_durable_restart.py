"""State survives a host restart; host.json limits apply."""

from __future__ import annotations

import asyncio
from pathlib import Path

import azure.durable_functions as df
from durable_harness import running_engine


async def test_timers_entities_and_events_survive_a_restart(tmp_path: Path, runs_file: Path) -> None:
    state = tmp_path / "state"
    async with running_engine(state) as first:
        await first.client.signal_entity(df.EntityId("Counter", "kept"), "add", 41)
        await first.client.start_new("monitor", "mon", {"polls": 2, "interval_ms": 400})
        await first.client.start_new("waiter", "wait", None)
        await first.wait("wait", statuses={"Running"})
        await first.client.raise_event("wait", "go", "one")
        await first.wait("mon", statuses={"Running"})
    await asyncio.sleep(0.5)  # the monitor's timer is overdue when the host comes back
    async with running_engine(state) as second:
        await second.client.raise_event("wait", "go", "two")
        assert (await second.wait("wait")).output == ['"one"', '"two"']
        assert (await second.wait("mon")).output == 2
        await second.client.signal_entity(df.EntityId("Counter", "kept"), "add", 1)
        for _ in range(100):
            entity = await second.client.read_entity_state(df.EntityId("Counter", "kept"))
            if entity.entity_state == 42:
                break
            await asyncio.sleep(0.02)
        assert entity.entity_exists and entity.entity_state == 42


async def test_activity_concurrency_follows_host_json(tmp_path: Path, runs_file: Path) -> None:
    host_json = {"extensions": {"durableTask": {"maxConcurrentActivityFunctions": 3}}}
    async with running_engine(tmp_path / "state", host_json=host_json) as host:
        probe = host.engine.index.functions["probe"].callable.__globals__["PROBE"]
        probe.update(running=0, peak=0)
        instance_id = await host.client.start_new("fan_out", None, {"n": 20, "activity": "probe"})
        status = await host.wait(instance_id)
        assert status.output == sum(range(20)) and probe["peak"] == 3


async def test_activities_are_held_to_the_function_timeout(tmp_path: Path, runs_file: Path) -> None:
    async with running_engine(tmp_path / "state", host_json={"functionTimeout": "00:00:00.2"}) as host:
        quick = await host.client.start_new("napping", None, 0.01)
        slow = await host.client.start_new("napping", None, 5)
        assert (await host.wait(quick)).output == 0.01
        output = (await host.wait(slow, timeout=3)).output
        assert output.startswith(
            "failed: Activity function 'nap' failed: TimeoutError: Timeout value of 00:00:00.2"
        )
