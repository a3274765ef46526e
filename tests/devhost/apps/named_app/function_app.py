"""An app object not called ``app`` (the worker accepts any module-level function app)."""

import azure.durable_functions as df
import azure.functions as func

orders = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@orders.activity_trigger(input_name="item")
def pack(item: str) -> str:
    return f"packed {item}"


@orders.orchestration_trigger(context_name="context")
def ship(context: df.DurableOrchestrationContext):
    packed = []
    for item in context.get_input():
        packed.append((yield context.call_activity("pack", item)))
    return packed


@orders.route(route="ship", methods=["POST"])
@orders.durable_client_input(client_name="client")
async def start_ship(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    instance_id = await client.start_new("ship", None, req.get_json())
    return client.create_check_status_response(req, instance_id)
