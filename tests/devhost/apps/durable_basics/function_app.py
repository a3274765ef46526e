"""Sample Durable app for the engine tests: every pattern the local host must run faithfully."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import timedelta
from pathlib import Path

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


def _record(name: str, value: object) -> None:
    """Append one line per activity run to the file named by DURABLE_TEST_RUNS (counts re-runs)."""
    path = os.environ.get("DURABLE_TEST_RUNS")
    if path:
        with Path(path).open("a", encoding="utf-8") as f:
            f.write(f"{name}:{value}\n")


@app.activity_trigger(input_name="city")
def say_hello(city: str) -> str:
    _record("say_hello", city)
    return f"Hello {city}!"


@app.activity_trigger(input_name="n")
async def double(n: int) -> int:
    _record("double", n)
    return n * 2


@app.activity_trigger(input_name="n")
def slow_double(n: int) -> int:
    import time

    time.sleep(float(os.environ.get("DURABLE_TEST_SLOW", "0.05")))
    _record("slow_double", n)
    return n * 2


@app.activity_trigger(input_name="key")
def flaky(key: str) -> str:
    """Fails until it has been called ``int(key)`` times (counted in the runs file)."""
    _record("flaky", key)
    path = Path(os.environ["DURABLE_TEST_RUNS"])
    runs = sum(1 for line in path.read_text().splitlines() if line == f"flaky:{key}")
    if runs < int(key.split("-")[0]):
        raise ValueError(f"attempt {runs} failed")
    return f"ok after {runs}"


#: Concurrency probe state (read in-process by the tests): currently running and the peak seen.
PROBE = {"running": 0, "peak": 0}


@app.activity_trigger(input_name="n")
async def probe(n: int) -> int:
    PROBE["running"] += 1
    PROBE["peak"] = max(PROBE["peak"], PROBE["running"])
    await asyncio.sleep(0.02)
    PROBE["running"] -= 1
    return n


@app.activity_trigger(input_name="seconds")
async def nap(seconds: float) -> float:
    await asyncio.sleep(seconds)
    return seconds


@app.orchestration_trigger(context_name="context")
def napping(context: df.DurableOrchestrationContext):
    try:
        return (yield context.call_activity("nap", context.get_input()))
    except Exception as exc:
        return f"failed: {exc}"


@app.activity_trigger(input_name="payload")
def boom(payload: str) -> str:
    raise RuntimeError(f"boom: {payload}")


@app.activity_trigger(input_name="flag")
def fail_once(flag: str) -> str:
    """Fails while the file ``flag`` exists (the test removes it before rewinding)."""
    _record("fail_once", flag)
    if Path(flag).exists():
        raise RuntimeError("flag still set")
    return "recovered"


@app.orchestration_trigger(context_name="context")
def chain(context: df.DurableOrchestrationContext):
    cities = context.get_input() or ["Tokyo", "Seattle", "London"]
    results = []
    for city in cities:
        results.append((yield context.call_activity("say_hello", city)))
    return results


@app.orchestration_trigger(context_name="context")
def fan_out(context: df.DurableOrchestrationContext):
    spec = context.get_input()
    activity = spec.get("activity", "double")
    tasks = [context.call_activity(activity, i) for i in range(spec["n"])]
    values = yield context.task_all(tasks)
    return sum(values)


@app.orchestration_trigger(context_name="context")
def approval(context: df.DurableOrchestrationContext):
    timeout = context.get_input()["timeout_seconds"]
    deadline = context.current_utc_datetime + timedelta(seconds=timeout)
    timer = context.create_timer(deadline)
    event = context.wait_for_external_event("Approval")
    winner = yield context.task_any([event, timer])
    if winner == event:
        timer.cancel()
        return {"approved": event.result}
    return {"approved": None, "timed_out": True}


@app.orchestration_trigger(context_name="context")
def monitor(context: df.DurableOrchestrationContext):
    spec = context.get_input()
    polls = 0
    while polls < spec["polls"]:
        polls += 1
        context.set_custom_status({"polls": polls})
        yield context.create_timer(context.current_utc_datetime + timedelta(milliseconds=spec["interval_ms"]))
    return polls


@app.orchestration_trigger(context_name="context")
def counter_user(context: df.DurableOrchestrationContext):
    key = context.get_input()
    entity = df.EntityId("Counter", key)
    context.signal_entity(entity, "add", 5)
    context.signal_entity(entity, "add", 10)
    value = yield context.call_entity(entity, "get")
    try:
        yield context.call_entity(entity, "explode")
        exploded = False
    except Exception:
        exploded = True
    return {"value": value, "exploded": exploded}


@app.entity_trigger(context_name="context")
def Counter(context: df.DurableEntityContext):  # entity names are case-insensitive
    current = context.get_state(lambda: 0)
    op = context.operation_name
    if op == "add":
        current += context.get_input()
        context.set_state(current)
    elif op == "reset":
        context.set_state(0)
    elif op == "get":
        context.set_result(current)
    elif op == "explode":
        raise ValueError("bad op")


@app.orchestration_trigger(context_name="context")
def parent(context: df.DurableOrchestrationContext):
    n = context.get_input()
    first = yield context.call_sub_orchestrator("chain", ["A", "B"])
    nested = yield context.task_all(
        [
            context.call_sub_orchestrator("fan_out", {"n": i + 1}, instance_id=f"{context.instance_id}-c{i}")
            for i in range(n)
        ]
    )
    return {"first": first, "nested": nested}


@app.orchestration_trigger(context_name="context")
def parent_of_failure(context: df.DurableOrchestrationContext):
    try:
        yield context.call_sub_orchestrator("failing", "x")
    except Exception as exc:
        return f"caught: {exc}"
    return "no failure"


@app.orchestration_trigger(context_name="context")
def failing(context: df.DurableOrchestrationContext):
    yield context.call_activity("boom", context.get_input())
    return "unreachable"


@app.orchestration_trigger(context_name="context")
def rewindable(context: df.DurableOrchestrationContext):
    first = yield context.call_activity("say_hello", "before")
    second = yield context.call_activity("fail_once", context.get_input())
    return [first, second]


@app.orchestration_trigger(context_name="context")
def counter_loop(context: df.DurableOrchestrationContext):
    state = context.get_input()
    if state["i"] >= state["until"]:
        return state["i"]
    context.continue_as_new({"i": state["i"] + 1, "until": state["until"]})
    return None


@app.orchestration_trigger(context_name="context")
def event_loop(context: df.DurableOrchestrationContext):
    """Eternal pattern: one event per execution, then continue-as-new carrying the running total."""
    total = context.get_input() or 0
    value = json.loads((yield context.wait_for_external_event("add")))  # the client double-encodes
    if value == "stop":
        return total
    context.continue_as_new(total + int(value))
    return None


@app.orchestration_trigger(context_name="context")
def retrying(context: df.DurableOrchestrationContext):
    spec = context.get_input()
    options = df.RetryOptions(
        first_retry_interval_in_milliseconds=20, max_number_of_attempts=spec["attempts"]
    )
    try:
        return (yield context.call_activity_with_retry("flaky", options, spec["key"]))
    except Exception as exc:
        return f"gave up: {exc}"


@app.orchestration_trigger(context_name="context")
def waiter(context: df.DurableOrchestrationContext):
    first = yield context.wait_for_external_event("go")
    second = yield context.wait_for_external_event("go")
    return [first, second]


@app.orchestration_trigger(context_name="context")
def unknown_activity(context: df.DurableOrchestrationContext):
    yield context.call_activity("no_such_activity", 1)


@app.orchestration_trigger(context_name="context")
def raises(context: df.DurableOrchestrationContext):
    yield context.call_activity("say_hello", "x")
    raise ValueError("orchestrator broke")


@app.orchestration_trigger(context_name="context")
def uses_http(context: df.DurableOrchestrationContext):
    yield context.call_http("GET", "http://example.invalid/")


@app.orchestration_trigger(context_name="context")
def sleeper(context: df.DurableOrchestrationContext):
    yield context.create_timer(context.current_utc_datetime + timedelta(hours=1))
    return "woke"


@app.route(route="start/{name}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def http_start(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    instance_id = await client.start_new(req.route_params["name"], None, req.get_json())
    return client.create_check_status_response(req, instance_id)


@app.orchestration_trigger(context_name="context")
def flaky_orch(context: df.DurableOrchestrationContext):
    return (yield context.call_activity("flaky", context.get_input()))


@app.orchestration_trigger(context_name="context")
def retrying_sub(context: df.DurableOrchestrationContext):
    options = df.RetryOptions(first_retry_interval_in_milliseconds=20, max_number_of_attempts=3)
    return (yield context.call_sub_orchestrator_with_retry("flaky_orch", options, context.get_input()))


@app.orchestration_trigger(context_name="context")
def mixed(context: df.DurableOrchestrationContext):
    """Every kind of task id in one orchestration: host and SDK must number them the same way."""
    entity = df.EntityId("Counter", context.get_input())
    context.signal_entity(entity, "add", 3)
    first = yield context.task_all(
        [
            context.call_activity("say_hello", "a"),
            context.create_timer(context.current_utc_datetime + timedelta(milliseconds=10)),
            context.call_entity(entity, "get"),
            context.call_sub_orchestrator("chain", ["s"]),
        ]
    )
    context.signal_entity(entity, "add", 1)
    timeout = context.create_timer(context.current_utc_datetime + timedelta(seconds=30))
    winner = yield context.task_any([context.call_activity("double", 21), timeout])
    timeout.cancel()
    final = yield context.call_entity(entity, "get")
    return [first[0], first[2], first[3], winner.result, final]


# The ReddyTalk call-session shape: greet when ready (or after a wait), then turns driven by events, an idle
# timer and a hang-up wait reused across turns, retried steps, entity signals/calls, continue-as-new every
# few turns, and a post-call sub-orchestration with a given id.
@app.orchestration_trigger(context_name="context")
def call_like(context: df.DurableOrchestrationContext):
    call = context.get_input()
    entity = df.EntityId("Transcript", call["id"])
    if not call["greeted"]:
        ready = context.wait_for_external_event("ready")
        patience = context.create_timer(context.current_utc_datetime + timedelta(seconds=5))
        if (yield context.task_any([ready, patience])) is ready:
            patience.cancel()
        context.signal_entity(entity, "append", (yield context.call_activity("say_hello", "caller")))
        call["greeted"] = True
    seen = yield context.call_entity(entity, "count")
    hangup = context.wait_for_external_event("hangup")
    retry = df.RetryOptions(first_retry_interval_in_milliseconds=10, max_number_of_attempts=3)
    for _ in range(call["turns_per_episode"]):
        idle = context.create_timer(context.current_utc_datetime + timedelta(seconds=10))
        heard = context.wait_for_external_event("utterance")
        winner = yield context.task_any([heard, hangup, idle])
        if winner is not idle:
            idle.cancel()
        if winner is not heard:
            context.signal_entity(entity, "append", "end")
            summary = yield context.call_sub_orchestrator("chain", [str(seen)], f"{call['id']}:post-call")
            return {
                "turns": call["turn"],
                "reason": "hangup" if winner is hangup else "idle",
                "summary": summary,
            }
        reply = yield context.call_activity_with_retry("double", retry, int(json.loads(heard.result)))
        context.signal_entity(entity, "append", reply)
        call["turn"] += 1
    context.continue_as_new(call)
    return None


@app.entity_trigger(context_name="context")
def Transcript(context: df.DurableEntityContext):  # entity names are case-insensitive
    lines = context.get_state(list)
    if context.operation_name == "append":
        lines.append(context.get_input())
        context.set_state(lines)
    elif context.operation_name == "count":
        context.set_result(len(lines))


@app.orchestration_trigger(context_name="context")
def busy_then_wait(context: df.DurableOrchestrationContext):
    yield context.call_activity("nap", context.get_input())
    first = yield context.wait_for_external_event("go")
    second = yield context.wait_for_external_event("go")
    return [first, second]


@app.orchestration_trigger(context_name="context")
def rewindable_parent(context: df.DurableOrchestrationContext):
    child = yield context.call_sub_orchestrator(
        "rewindable", context.get_input(), f"{context.instance_id}-child"
    )
    return {"child": child}
