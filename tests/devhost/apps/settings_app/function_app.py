"""``%Setting%`` references in host.json (``hubName``) and in binding properties, resolved at start."""

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.queue_trigger(arg_name="msg", queue_name="%JOBS_QUEUE%", connection="JobsConnection")
@app.queue_output(arg_name="done", queue_name="%JOBS_QUEUE%-done", connection="JobsConnection")
def work(msg: func.QueueMessage, done: func.Out[str]) -> None:
    done.set("done:" + msg.get_body().decode())


@app.timer_trigger(arg_name="timer", schedule="%NIGHTLY%")
def nightly(timer: func.TimerRequest) -> None:
    pass


@app.orchestration_trigger(context_name="context")
def noop(context: df.DurableOrchestrationContext):
    return "ok"


@app.route(route="noop", methods=["POST"])
@app.durable_client_input(client_name="client")
async def start_noop(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    return client.create_check_status_response(req, await client.start_new("noop"))
