"""Functions of the split app, registered on the entry module's app object."""

import azure.durable_functions as df
import azure.functions as func

from function_app import app


@app.activity_trigger(input_name="name")
def greet(name: str) -> str:
    return f"Hi {name}"


@app.orchestration_trigger(context_name="context")
def greeting(context: df.DurableOrchestrationContext):
    return (yield context.call_activity("greet", context.get_input()))


@app.route(route="hello/{name}", methods=["GET"])
def hello(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(f"hello {req.route_params['name']}")
