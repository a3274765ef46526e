"""SignalR sample: a hand-written negotiate (hop 1) and sends through the signalR output binding."""

import json
import os
import time

import azure.functions as func
import jwt

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

HUB = "chat"


def _connection() -> tuple[str, str]:
    parts = dict(p.split("=", 1) for p in os.environ["AzureSignalRConnectionString"].split(";") if p)  # noqa: SIM112
    endpoint = parts["Endpoint"].rstrip("/")
    if "Port" in parts:
        endpoint = f"{endpoint}:{parts['Port']}"
    return endpoint, parts["AccessKey"]


@app.route(route="negotiate", methods=["POST", "GET"])
def negotiate(req: func.HttpRequest) -> func.HttpResponse:
    endpoint, key = _connection()
    url = f"{endpoint}/client/?hub={HUB}"
    now = int(time.time())
    claims = {"aud": url, "iat": now, "nbf": now, "exp": now + 3600}
    user = req.params.get("user") or req.headers.get("x-user-id")
    if user:
        claims["nameid"] = user
    token = jwt.encode(claims, key, algorithm="HS256")
    return func.HttpResponse(json.dumps({"url": url, "accessToken": token}), mimetype="application/json")


@app.route(route="send", methods=["POST"])
@app.generic_output_binding(
    arg_name="messages",
    type="signalR",
    hub_name=HUB,
    connection_string_setting="AzureSignalRConnectionString",
)
def send(req: func.HttpRequest, messages: func.Out[str]) -> func.HttpResponse:
    messages.set(req.get_body().decode("utf-8"))
    return func.HttpResponse(status_code=202)
