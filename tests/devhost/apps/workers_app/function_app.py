"""Sample app for FUNCTIONS_WORKER_PROCESS_COUNT: every function says which process ran it.

``WORKERS_TEST_DIR`` names a folder for "die once" markers: a function that finds no marker for its key
writes one and kills its own process (SIGKILL), so the host must start the worker again and run the
lost invocation the way Azure does (activity retried by its policy, episode and entity batch re-run).
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)

#: Module memory: each worker process has its own (what the tests show).
REMEMBERED: dict[str, str] = {}


def _die_once(key: str) -> None:
    folder = os.environ.get("WORKERS_TEST_DIR")
    if not folder:
        return
    marker = Path(folder) / f"died-{key}"
    if not marker.exists():
        marker.write_text(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)


@app.route(route="pid", methods=["GET"])
def pid(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(json.dumps({"pid": os.getpid()}), mimetype="application/json")


@app.route(route="remember/{key}", methods=["PUT", "GET"])
async def remember(req: func.HttpRequest) -> func.HttpResponse:
    key = req.route_params["key"]
    if req.method == "PUT":
        REMEMBERED[key] = req.get_body().decode()
    found = REMEMBERED.get(key)
    return func.HttpResponse(json.dumps({"pid": os.getpid(), "value": found}), mimetype="application/json")


@app.route(route="die-once/{key}", methods=["POST"])
def die_once_http(req: func.HttpRequest) -> func.HttpResponse:
    _die_once(req.route_params["key"])
    return func.HttpResponse(json.dumps({"pid": os.getpid()}), mimetype="application/json")


@app.route(route="start/{name}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def start(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    body = req.get_body()
    instance_id = await client.start_new(req.route_params["name"], None, json.loads(body) if body else None)
    return func.HttpResponse(json.dumps({"id": instance_id, "pid": os.getpid()}), mimetype="application/json")


@app.activity_trigger(input_name="n")
def activity_pid(n: int) -> int:
    return os.getpid()


@app.activity_trigger(input_name="key")
def activity_dies_once(key: str) -> int:
    _die_once(key)
    return os.getpid()


@app.orchestration_trigger(context_name="context")
def fan_out_pids(context: df.DurableOrchestrationContext):
    pids = yield context.task_all(
        [context.call_activity("activity_pid", n) for n in range(int(context.get_input()))]
    )
    return sorted(set(pids))


@app.orchestration_trigger(context_name="context")
def retry_lost_activity(context: df.DurableOrchestrationContext):
    options = df.RetryOptions(first_retry_interval_in_milliseconds=50, max_number_of_attempts=3)
    return (yield context.call_activity_with_retry("activity_dies_once", options, context.get_input()))


@app.orchestration_trigger(context_name="context")
def episode_dies_once(context: df.DurableOrchestrationContext):
    _die_once(str(context.get_input()))  # in the first episode: the worker dies before it returns
    first = yield context.call_activity("activity_pid", 1)
    return [first]


@app.entity_trigger(context_name="context")
def counter(context: df.DurableEntityContext) -> None:
    value = context.get_state(lambda: 0)
    if context.operation_name == "add":
        amount = context.get_input()
        _die_once(f"counter-{amount}")
        context.set_state(value + amount)
    context.set_result(value)


@app.orchestration_trigger(context_name="context")
def add_to_counter(context: df.DurableOrchestrationContext):
    entity = df.EntityId("counter", "c")
    yield context.call_entity(entity, "add", 5)
    yield context.call_entity(entity, "add", 7)
    return (yield context.call_entity(entity, "get"))


def _append_pid(name: str) -> None:
    folder = os.environ.get("WORKERS_TEST_DIR")
    if folder:
        with (Path(folder) / f"{name}.pids").open("a", encoding="utf-8") as out:
            out.write(f"{os.getpid()}\n")


@app.route(route="enqueue/{count:int}", methods=["POST"])
@app.queue_output(arg_name="out", queue_name="%WORKERS_QUEUE%", connection="WorkersQueue")
def enqueue(req: func.HttpRequest, out: func.Out[list[str]]) -> func.HttpResponse:
    out.set([f"job-{n}" for n in range(int(req.route_params["count"]))])
    return func.HttpResponse(status_code=202)


@app.queue_trigger(arg_name="msg", queue_name="%WORKERS_QUEUE%", connection="WorkersQueue")
def dequeue(msg: func.QueueMessage) -> None:
    import time

    time.sleep(0.05)  # long enough for several messages to be in flight at once
    _append_pid("queue")


@app.timer_trigger(schedule="*/1 * * * * *", arg_name="timer")
def tick(timer: func.TimerRequest) -> None:
    _append_pid("timer")
