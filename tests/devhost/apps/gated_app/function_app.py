"""An orchestrator whose replay blocks until the test lets it go (a stand-in for a long replay)."""

import threading

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)

ENTERED = threading.Event()
GATE = threading.Event()


@app.orchestration_trigger(context_name="context")
def gated(context: df.DurableOrchestrationContext):
    ENTERED.set()
    return GATE.wait(20)  # True when released in time, False when the wait ran out


@app.entity_trigger(context_name="context")
def Tally(context: df.DurableEntityContext):
    context.set_state(context.get_state(lambda: 0) + 1)


@app.route(route="ping", methods=["GET"])
def ping(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("pong")
