"""Activities with bindings besides their trigger: an output queue, the invocation context."""

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.activity_trigger(input_name="order")
@app.queue_output(arg_name="shipped", queue_name="shipped", connection="JobsConnection")
def ship(order: str, shipped: func.Out[str]) -> str:
    shipped.set(f"shipped {order}")
    return order.upper()


@app.activity_trigger(input_name="n")
async def who_am_i(n: int, context: func.Context) -> str:
    return f"{context.function_name}:{n}"


@app.orchestration_trigger(context_name="context")
def orders(context: df.DurableOrchestrationContext):
    shipped = yield context.call_activity("ship", "a1")
    me = yield context.call_activity("who_am_i", 7)
    return [shipped, me]
