"""The Durable patterns run on the local engine against the unmodified SDK (sample app ``durable_basics``)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path

import azure.durable_functions as df
from durable_harness import Harness


def runs(path: Path) -> Counter[str]:
    return Counter(path.read_text().splitlines())


async def test_chaining_passes_each_result_in_order(host: Harness) -> None:
    instance_id = await host.client.start_new("chain", None, ["Tokyo", "Seattle", "London"])
    status = await host.wait(instance_id)
    assert status.runtime_status == df.OrchestrationRuntimeStatus.Completed
    assert status.output == ["Hello Tokyo!", "Hello Seattle!", "Hello London!"]
    assert status.input_ == '["Tokyo", "Seattle", "London"]'  # client inputs are JSON text, as on Azure


async def test_fan_out_fan_in_of_100_runs_each_activity_once(host: Harness, runs_file: Path) -> None:
    instance_id = await host.client.start_new("fan_out", None, {"n": 100})
    status = await host.wait(instance_id)
    assert status.output == sum(2 * i for i in range(100))
    counted = runs(runs_file)
    assert all(counted[f"double:{i}"] == 1 for i in range(100))
    assert sum(counted.values()) == 100


async def test_human_interaction_event_wins_and_cancels_the_timer(host: Harness) -> None:
    instance_id = await host.client.start_new("approval", None, {"timeout_seconds": 30})
    await host.wait(instance_id, statuses={"Running"})
    await host.client.raise_event(instance_id, "Approval", {"by": "dr-1"})
    status = await host.wait(instance_id, timeout=5)
    # the Python client double-encodes event data, so the orchestrator sees JSON text (SDK issue #295)
    assert status.output == {"approved": '{"by": "dr-1"}'}


async def test_human_interaction_timer_wins_when_nobody_answers(host: Harness) -> None:
    instance_id = await host.client.start_new("approval", None, {"timeout_seconds": 0.3})
    status = await host.wait(instance_id, timeout=5)
    assert status.output == {"approved": None, "timed_out": True}


async def test_monitor_loops_on_timers_and_publishes_custom_status(host: Harness) -> None:
    instance_id = await host.client.start_new("monitor", None, {"polls": 4, "interval_ms": 150})
    seen = set()
    while True:
        status = await host.client.get_status(instance_id)
        if status.custom_status:
            seen.add(status.custom_status["polls"])
        if status.runtime_status == df.OrchestrationRuntimeStatus.Completed:
            break
        await asyncio.sleep(0.01)
    assert status.output == 4
    assert status.custom_status == {"polls": 4}
    assert seen <= {1, 2, 3, 4} and len(seen) >= 2


async def test_counter_entity_called_and_signalled_from_orchestrator_and_client(host: Harness) -> None:
    entity = df.EntityId("Counter", "k1")
    await host.client.signal_entity(entity, "add", 100)
    instance_id = await host.client.start_new("counter_user", None, "k1")
    status = await host.wait(instance_id)
    assert status.output == {"value": 115, "exploded": True}
    state = await host.client.read_entity_state(entity)
    assert state.entity_exists and state.entity_state == 115
    missing = await host.client.read_entity_state(df.EntityId("Counter", "nobody"))
    assert not missing.entity_exists


async def test_entity_operations_are_serialized_per_entity(host: Harness) -> None:
    entity = df.EntityId("Counter", "many")
    await asyncio.gather(*(host.client.signal_entity(entity, "add", 1) for _ in range(50)))
    instance_id = await host.client.start_new("counter_user", None, "many")
    status = await host.wait(instance_id)
    assert status.output["value"] == 50 + 15


async def test_sub_orchestrations_return_their_outputs(host: Harness) -> None:
    instance_id = await host.client.start_new("parent", "family", 3)
    status = await host.wait(instance_id)
    assert status.output == {"first": ["Hello A!", "Hello B!"], "nested": [0, 2, 6]}
    child = await host.client.get_status("family-c2")
    assert child.runtime_status == df.OrchestrationRuntimeStatus.Completed and child.output == 6


async def test_sub_orchestration_failure_reaches_the_parent(host: Harness) -> None:
    instance_id = await host.client.start_new("parent_of_failure", None, None)
    status = await host.wait(instance_id)
    assert status.output.startswith("caught: Orchestrator function 'failing' failed:")
    assert "boom: x" in status.output


async def test_continue_as_new_over_1000_iterations_keeps_history_flat(host: Harness) -> None:
    instance_id = await host.client.start_new("counter_loop", None, {"i": 0, "until": 1000})
    status = await host.wait(instance_id, timeout=60)
    assert status.output == 1000
    detailed = await host.client.get_status(instance_id, show_history=True)
    assert len(detailed.historyEvents) < 10  # only the last execution's history is kept


async def test_events_survive_continue_as_new(host: Harness) -> None:
    instance_id = await host.client.start_new("event_loop", None, 0)
    await host.wait(instance_id, statuses={"Running"})
    for value in (1, 2, 3):
        await host.client.raise_event(instance_id, "add", value)
    await host.client.raise_event(instance_id, "add", "stop")
    status = await host.wait(instance_id, timeout=10)
    assert status.output == 6  # events raised back to back are carried into the next execution


async def test_events_are_fifo_per_name_and_buffered_before_the_wait(host: Harness) -> None:
    instance_id = await host.client.start_new("waiter", None, None)
    await host.client.raise_event(instance_id, "go", 1)
    await host.client.raise_event(instance_id, "go", 2)
    status = await host.wait(instance_id)
    assert status.output == ["1", "2"]


async def test_retry_succeeds_on_the_third_attempt(host: Harness, runs_file: Path) -> None:
    instance_id = await host.client.start_new("retrying", None, {"attempts": 5, "key": "3-a"})
    status = await host.wait(instance_id)
    assert status.output == "ok after 3"
    assert runs(runs_file)["flaky:3-a"] == 3


async def test_retry_exhausts_and_fails_with_the_last_reason(host: Harness, runs_file: Path) -> None:
    instance_id = await host.client.start_new("retrying", None, {"attempts": 2, "key": "9-b"})
    status = await host.wait(instance_id)
    assert status.output.startswith("gave up: Activity function 'flaky' failed: ValueError: attempt 2 failed")
    assert runs(runs_file)["flaky:9-b"] == 2


async def test_unknown_activity_fails_the_instance_like_the_host(host: Harness) -> None:
    instance_id = await host.client.start_new("unknown_activity", None, None)
    status = await host.wait(instance_id)
    assert status.runtime_status == df.OrchestrationRuntimeStatus.Failed
    assert "The function 'no_such_activity' doesn't exist" in status.output
    assert status.output.startswith("Orchestrator function 'unknown_activity' failed:")


async def test_orchestrator_exception_fails_the_instance(host: Harness) -> None:
    instance_id = await host.client.start_new("raises", None, None)
    status = await host.wait(instance_id)
    assert status.runtime_status == df.OrchestrationRuntimeStatus.Failed
    assert status.output == "Orchestrator function 'raises' failed: orchestrator broke"


async def test_uncaught_activity_failure_fails_the_instance(host: Harness) -> None:
    instance_id = await host.client.start_new("failing", None, "payload")
    status = await host.wait(instance_id)
    assert status.runtime_status == df.OrchestrationRuntimeStatus.Failed
    assert "Activity function 'boom' failed: RuntimeError: boom: payload" in status.output


async def test_call_http_is_reported_as_not_supported(host: Harness) -> None:
    instance_id = await host.client.start_new("uses_http", None, None)
    status = await host.wait(instance_id)
    assert status.runtime_status == df.OrchestrationRuntimeStatus.Failed
    assert "not supported" in status.output


async def test_sub_orchestration_retry_starts_a_new_child_per_attempt(host: Harness, runs_file: Path) -> None:
    instance_id = await host.client.start_new("retrying_sub", None, "2-s")
    status = await host.wait(instance_id)
    assert status.runtime_status == df.OrchestrationRuntimeStatus.Completed
    assert status.output == "ok after 2"
    children = await host.client.get_status_all()
    flaky = [s for s in children if s.name == "flaky_orch"]
    assert sorted(s.runtime_status.value for s in flaky) == ["Completed", "Failed"]


async def test_events_delivered_together_carry_over_continue_as_new(host: Harness) -> None:
    instance_id = await host.client.start_new("event_loop", None, 0)
    await host.wait(instance_id, statuses={"Running"})
    await host.client.suspend(instance_id, "hold events so they arrive in one batch")
    await host.wait(instance_id, statuses={"Suspended"})
    for value in (1, 2, 4, "stop"):
        await host.client.raise_event(instance_id, "add", value)
    await host.client.resume(instance_id, "release")
    status = await host.wait(instance_id, timeout=10)
    assert status.output == 7


async def test_mixed_task_kinds_are_numbered_like_the_sdk(host: Harness) -> None:
    instance_id = await host.client.start_new("mixed", None, "mix")
    status = await host.wait(instance_id)
    assert status.runtime_status == df.OrchestrationRuntimeStatus.Completed, status.output
    assert status.output == ["Hello a!", 3, ["Hello s!"], 42, 4]


async def test_stale_timers_of_an_earlier_execution_add_no_episodes(host: Harness) -> None:
    instance_id = await host.client.start_new("event_loop", None, 0)
    await host.wait(instance_id, statuses={"Running"})
    await host.client.raise_event(instance_id, "add", 5)
    status = await host.wait(instance_id, statuses={"Running"})
    live = host.engine._active[instance_id]
    for _ in range(500):  # until the next execution (input 5) has run its first episode
        before = host.engine.history_events(instance_id)
        started = before[1] if len(before) > 1 else {}
        current = started.get("OrchestrationInstance", {}).get("ExecutionId") == live.row.execution_id
        if current and json.loads(json.loads(live.row.input)) == 5 and before[-1]["EventType"] == 13:
            break
        await asyncio.sleep(0.01)
    # a late message for the finished execution (e.g. a cancelled timer) must not touch the new one
    with host.engine._step() as step:
        stale = {
            "event": {
                "EventType": 11,
                "EventId": -1,
                "Timestamp": "2024-01-01T00:00:00.000000Z",
                "TimerId": 0,
            }
        }
        host.engine._post(step, "orch", instance_id, {**stale, "exec": "an-earlier-execution"})
    await asyncio.sleep(0.1)
    assert host.engine.history_events(instance_id) == before
    assert not live.inbox and status.runtime_status == df.OrchestrationRuntimeStatus.Running


async def test_call_session_shape_with_turns_across_continue_as_new(host: Harness) -> None:
    call = {"id": "call-1", "greeted": False, "turn": 1, "turns_per_episode": 2}
    instance_id = await host.client.start_new("call_like", "call-1", call)
    await host.wait(instance_id, statuses={"Running"})
    transcript = df.EntityId("Transcript", "call-1")

    async def transcript_lines(count: int) -> list:
        for _ in range(500):
            state = await host.client.read_entity_state(transcript)
            if state.entity_exists and len(state.entity_state) >= count:
                return state.entity_state
            await asyncio.sleep(0.01)
        raise AssertionError(f"transcript never reached {count} lines")

    await host.client.raise_event(instance_id, "ready", None)
    await transcript_lines(1)
    for n in range(1, 6):  # five paced turns; the instance continues as new after every second one
        await host.client.raise_event(instance_id, "utterance", n)
        await transcript_lines(1 + n)
    await host.client.raise_event(instance_id, "hangup", None)
    status = await host.wait(instance_id, timeout=10)
    assert status.runtime_status == df.OrchestrationRuntimeStatus.Completed, status.output
    assert status.output == {"turns": 6, "reason": "hangup", "summary": ["Hello 5!"]}
    assert await transcript_lines(7) == ["Hello caller!", 2, 4, 6, 8, 10, "end"]
    child = await host.client.get_status("call-1:post-call")
    assert child.runtime_status == df.OrchestrationRuntimeStatus.Completed


async def test_sdk_quirk_an_event_before_its_wait_satisfies_every_later_wait(host: Harness) -> None:
    """azure-functions-durable 1.7.0 keeps one deferred completion per event name and never clears it, so
    an event raised while no wait is open answers every later wait of that name (on Azure as here, since
    the history is the same). Apps must keep a wait open before the event can arrive."""
    instance_id = await host.client.start_new("busy_then_wait", None, 0.3)
    await host.wait(instance_id, statuses={"Running"})
    await host.client.raise_event(instance_id, "go", 1)
    status = await host.wait(instance_id, timeout=5)
    assert status.output == ["1", "1"]
