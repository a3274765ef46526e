"""Instance control through the unmodified client: terminate, suspend/resume, rewind, purge, queries."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import azure.durable_functions as df
import azure.functions as func
from durable_harness import Harness

Status = df.OrchestrationRuntimeStatus


async def test_terminate_ends_a_running_instance_with_the_reason(host: Harness) -> None:
    instance_id = await host.client.start_new("sleeper", None, None)
    await host.wait(instance_id, statuses={"Running"})
    await host.client.terminate(instance_id, "no longer needed")
    status = await host.wait(instance_id)
    assert status.runtime_status == Status.Terminated
    assert status.output == "no longer needed"
    await host.client.terminate(instance_id, "again")  # 410 is accepted by the client


async def test_suspend_holds_events_until_resume(host: Harness) -> None:
    instance_id = await host.client.start_new("waiter", None, None)
    await host.wait(instance_id, statuses={"Running"})
    await host.client.suspend(instance_id, "maintenance")
    await host.wait(instance_id, statuses={"Suspended"})
    await host.client.raise_event(instance_id, "go", "a")
    await host.client.raise_event(instance_id, "go", "b")
    await asyncio.sleep(0.2)
    assert (await host.client.get_status(instance_id)).runtime_status == Status.Suspended
    await host.client.resume(instance_id, "done")
    status = await host.wait(instance_id)
    assert status.output == ['"a"', '"b"']


async def test_rewind_reruns_the_failed_activity_only(host: Harness, tmp_path: Path, runs_file: Path) -> None:
    flag = tmp_path / "fail.flag"
    flag.touch()
    instance_id = await host.client.start_new("rewindable", None, str(flag))
    status = await host.wait(instance_id)
    assert status.runtime_status == Status.Failed
    flag.unlink()
    await host.client.rewind(instance_id, "fixed")
    status = await host.wait(instance_id)
    assert status.runtime_status == Status.Completed
    assert status.output == ["Hello before!", "recovered"]
    lines = runs_file.read_text().splitlines()
    assert lines.count("say_hello:before") == 1
    assert lines.count(f"fail_once:{flag}") == 2


async def test_purge_removes_history_and_status(host: Harness) -> None:
    instance_id = await host.client.start_new("chain", None, ["X"])
    await host.wait(instance_id)
    result = await host.client.purge_instance_history(instance_id)
    assert result.instances_deleted == 1
    assert not await host.client.get_status(instance_id)
    again = await host.client.purge_instance_history(instance_id)
    assert again.instances_deleted == 0


async def test_purge_by_filters_on_time_and_status(host: Harness) -> None:
    start = datetime.now(UTC) - timedelta(seconds=1)
    done = [await host.client.start_new("chain", None, ["P"]) for _ in range(3)]
    running = await host.client.start_new("sleeper", None, None)
    for instance_id in done:
        await host.wait(instance_id)
    result = await host.client.purge_instance_history_by(
        created_time_from=start, runtime_status=[Status.Completed]
    )
    assert result.instances_deleted == 3
    assert (await host.client.get_status(running)).runtime_status == Status.Running


async def test_status_queries_filter_by_status_time_and_prefix(host: Harness) -> None:
    start = datetime.now(UTC) - timedelta(seconds=1)
    finished = await host.client.start_new("chain", "q-done", ["Q"])
    await host.wait(finished)
    await host.client.start_new("sleeper", "q-sleep", None)
    await host.client.start_new("sleeper", "other-sleep", None)
    await host.wait("q-sleep", statuses={"Running"})
    everything = await host.client.get_status_all()
    assert {s.instance_id for s in everything} >= {"q-done", "q-sleep", "other-sleep"}
    running = await host.client.get_status_by(created_time_from=start, runtime_status=[Status.Running])
    assert {s.instance_id for s in running} == {"q-sleep", "other-sleep"}
    prefixed = await host.client.get_status_by(instance_id_prefix="q-")
    assert {s.instance_id for s in prefixed} == {"q-done", "q-sleep"}
    later = await host.client.get_status_by(created_time_from=datetime.now(UTC) + timedelta(hours=1))
    assert later == []


async def test_get_status_with_history_shows_the_steps(host: Harness) -> None:
    instance_id = await host.client.start_new("chain", None, ["H"])
    await host.wait(instance_id)
    status = await host.client.get_status(instance_id, show_history=True, show_history_output=True)
    kinds = [e["EventType"] for e in status.historyEvents]
    assert kinds[0] == "ExecutionStarted" and kinds[-1] == "ExecutionCompleted"
    completed = [e for e in status.historyEvents if e["EventType"] == "TaskCompleted"]
    assert completed[0]["FunctionName"] == "say_hello" and completed[0]["Result"] == "Hello H!"


async def test_show_history_has_the_documented_durable_http_api_shape(host: Harness) -> None:
    """As in the durable-functions-http-api docs: names, not numbers; results parsed; scheduling folded."""
    instance_id = await host.client.start_new("chain", None, ["A", "B"])
    await host.wait(instance_id)
    status = await host.client.get_status(instance_id, show_history=True, show_history_output=True)
    events = status.historyEvents
    assert [e["EventType"] for e in events] == [
        "ExecutionStarted",
        "TaskCompleted",
        "TaskCompleted",
        "ExecutionCompleted",
    ]
    started, first, _, done = events
    assert started["FunctionName"] == "chain" and "Name" not in started and "Version" not in started
    assert first["FunctionName"] == "say_hello" and first["Result"] == "Hello A!"
    assert first["ScheduledTime"] <= first["Timestamp"] and "TaskScheduledId" not in first
    assert done["OrchestrationStatus"] == "Completed" and done["Result"] == ["Hello A!", "Hello B!"]
    assert all("EventId" not in e and "IsPlayed" not in e for e in events)
    quiet = await host.client.get_status(instance_id, show_history=True)
    assert all("Result" not in e for e in quiet.historyEvents)


async def test_check_status_response_uses_the_request_origin(host: Harness) -> None:
    instance_id = await host.client.start_new("chain", None, ["C"])
    request = func.HttpRequest("POST", "http://example.test:8080/api/start/chain", body=b"")
    response = host.client.create_check_status_response(request, instance_id)
    assert response.status_code == 202
    body = json.loads(response.get_body())
    assert body["id"] == instance_id
    assert body["statusQueryGetUri"].startswith(
        f"http://example.test:8080/runtime/webhooks/durabletask/instances/{instance_id}"
    )
    assert response.headers["Location"] == body["statusQueryGetUri"]


async def test_wait_for_completion_returns_output_or_check_status(host: Harness) -> None:
    request = func.HttpRequest("POST", f"{host.base_url}/api/start", body=b"")
    done = await host.client.start_new("chain", None, ["W"])
    response = await host.client.wait_for_completion_or_create_check_status_response(
        request, done, timeout_in_milliseconds=5000, retry_interval_in_milliseconds=50
    )
    assert response.status_code == 200
    assert json.loads(response.get_body()) == ["Hello W!"]
    slow = await host.client.start_new("sleeper", None, None)
    response = await host.client.wait_for_completion_or_create_check_status_response(
        request, slow, timeout_in_milliseconds=200, retry_interval_in_milliseconds=50
    )
    assert response.status_code == 202


async def test_starting_a_running_id_again_is_refused(host: Harness) -> None:
    await host.client.start_new("sleeper", "only-once", None)
    try:
        await host.client.start_new("sleeper", "only-once", None)
    except Exception as exc:
        assert "already exists" in str(exc)
    else:
        raise AssertionError("a running instance id was reused")


async def test_rewind_of_a_parent_rewinds_its_failed_child(
    host: Harness, tmp_path: Path, runs_file: Path
) -> None:
    flag = tmp_path / "child.flag"
    flag.touch()
    instance_id = await host.client.start_new("rewindable_parent", "rp", str(flag))
    assert (await host.wait(instance_id)).runtime_status == Status.Failed
    assert (await host.client.get_status("rp-child")).runtime_status == Status.Failed
    flag.unlink()
    await host.client.rewind(instance_id, "fixed")
    status = await host.wait(instance_id)
    assert status.runtime_status == Status.Completed, status.output
    assert status.output == {"child": ["Hello before!", "recovered"]}
    assert runs_file.read_text().splitlines().count("say_hello:before") == 1
