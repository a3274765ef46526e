"""Benchmark app for the local host's durable engine: the same shapes as the durabletask peer."""

from __future__ import annotations

import time

import azure.durable_functions as df

app = df.DFApp()

#: perf_counter() at the start of every ``stamp`` activity run (read by the benchmark in-process).
STAMPS: list[float] = []


@app.activity_trigger(input_name="x")
def square(x: int) -> int:
    return x * x


@app.activity_trigger(input_name="x")
async def stamp(x: int) -> int:
    STAMPS.append(time.perf_counter())
    return x


@app.orchestration_trigger(context_name="context")
def chain(context: df.DurableOrchestrationContext):
    total = 0
    for i in range(context.get_input()):
        total += yield context.call_activity("stamp", i)
    return total


@app.orchestration_trigger(context_name="context")
def fan(context: df.DurableOrchestrationContext):
    results = yield context.task_all([context.call_activity("square", i) for i in range(context.get_input())])
    return sum(results)


@app.orchestration_trigger(context_name="context")
def waiter(context: df.DurableOrchestrationContext):
    return (yield context.wait_for_external_event("go"))
