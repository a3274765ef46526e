"""HTTP trigger sample: route params and constraints, methods, query, headers, body, sync + async."""

import json

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


def _describe(req: func.HttpRequest, kind: str) -> func.HttpResponse:
    body = {
        "kind": kind,
        "method": req.method,
        "url": req.url,
        "route": dict(req.route_params),
        "query": dict(req.params),
        "trace": req.headers.get("X-TRACE-ID"),
        "body": req.get_body().decode("utf-8"),
    }
    return func.HttpResponse(json.dumps(body), mimetype="application/json")


@app.route(route="items/{id:int}", methods=["GET"])
def get_item(req: func.HttpRequest) -> func.HttpResponse:
    return _describe(req, "sync-get")


@app.route(route="items/{id:int}", methods=["PUT", "DELETE"])
async def change_item(req: func.HttpRequest) -> func.HttpResponse:
    return _describe(req, "async-change")


@app.route(route="items/{slug:alpha}", methods=["GET"])
def get_item_by_slug(req: func.HttpRequest) -> func.HttpResponse:
    return _describe(req, "slug")


@app.route(route="items/latest", methods=["GET"])
def latest_item(req: func.HttpRequest) -> func.HttpResponse:
    return _describe(req, "literal")


@app.route(route="echo", methods=["POST"])
async def echo(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(
        req.get_body(),
        status_code=201,
        headers={"X-Echo-Type": req.headers.get("content-type", "")},
        mimetype="application/octet-stream",
    )


@app.route(route="json", methods=["POST"])
def parse_json(req: func.HttpRequest) -> func.HttpResponse:
    data = req.get_json()
    return func.HttpResponse(json.dumps({"sum": sum(data["numbers"])}), mimetype="application/json")


@app.route(route="files/{*path}")
def files(req: func.HttpRequest) -> func.HttpResponse:
    return _describe(req, "catch-all")


@app.route(route="greet/{name?}")
def greet(req: func.HttpRequest) -> func.HttpResponse:
    name = req.route_params.get("name", "stranger")
    return func.HttpResponse(f"hello {name}")


@app.route(route="plain")
def plain(req: func.HttpRequest) -> str:
    return "just a string"


@app.route(route="cookie")
def cookie(req: func.HttpRequest) -> func.HttpResponse:
    response = func.HttpResponse("ok", charset="utf-8")
    response.headers["Set-Cookie"] = "session=abc; Path=/; HttpOnly"
    return response


@app.route(route="boom")
def boom(req: func.HttpRequest) -> func.HttpResponse:
    raise RuntimeError("secret internal detail")


@app.route(route="async-boom")
async def async_boom(req: func.HttpRequest) -> func.HttpResponse:
    raise ValueError("another secret")


@app.function_name("NamedByFunction")
@app.route()
def default_route(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("named")
