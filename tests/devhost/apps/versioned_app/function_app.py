"""Orchestration versioning (SDK 1.7): the orchestrator branches on ``context.version``."""

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.activity_trigger(input_name="version")
def charge(version: str) -> str:
    return f"charged under {version}"


@app.orchestration_trigger(context_name="context")
def billing(context: df.DurableOrchestrationContext):
    if context.version == "1.0":
        return "v1 path"  # instances started before the change keep their old behaviour
    charged = yield context.call_activity("charge", context.version)
    return f"v2 path: {charged}"


@app.orchestration_trigger(context_name="context")
def billing_parent(context: df.DurableOrchestrationContext):
    default = yield context.call_sub_orchestrator("billing", None)
    pinned = yield context.call_sub_orchestrator("billing", None, version="1.0")
    return [default, pinned]


@app.orchestration_trigger(context_name="context")
def billing_loop(context: df.DurableOrchestrationContext):
    n = context.get_input() or 0
    if n < 2:
        context.continue_as_new(n + 1)
        return None
    return context.version
