"""Benchmark app for the local host shell: a hand-written negotiate, a SignalR output binding, pings."""

import json
import os
import time

import azure.functions as func
import jwt

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

HUB = "bench"


def _connection() -> tuple[str, str]:
    parts = dict(p.split("=", 1) for p in os.environ["AzureSignalRConnectionString"].split(";") if p)  # noqa: SIM112
    endpoint = parts["Endpoint"].rstrip("/")
    if "Port" in parts:
        endpoint = f"{endpoint}:{parts['Port']}"
    return endpoint, parts["AccessKey"]


@app.route(route="negotiate", methods=["POST"])
def negotiate(req: func.HttpRequest) -> func.HttpResponse:
    endpoint, key = _connection()
    url = f"{endpoint}/client/?hub={HUB}"
    now = int(time.time())
    claims = {"aud": url, "iat": now, "exp": now + 3600, "nameid": req.headers.get("x-user-id", "anon")}
    token = jwt.encode(claims, key, algorithm="HS256")
    return func.HttpResponse(json.dumps({"url": url, "accessToken": token}), mimetype="application/json")


@app.route(route="send", methods=["POST"])
@app.generic_output_binding(
    arg_name="messages",
    type="signalR",
    hub_name=HUB,
    connection_string_setting="AzureSignalRConnectionString",
)
async def send(req: func.HttpRequest, messages: func.Out[str]) -> func.HttpResponse:
    messages.set(req.get_body().decode("utf-8"))
    return func.HttpResponse(status_code=202)


@app.route(route="ping/sync", methods=["GET"])
def ping_sync(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("pong")


@app.route(route="ping/async", methods=["GET"])
async def ping_async(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("pong")
