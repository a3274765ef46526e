"""HTTP triggers: match a request to a function, build ``func.HttpRequest`` as the worker does, and
turn what the function returns into the HTTP response.

Requests and responses go through the SDK's own converters (``HttpRequestConverter.decode`` and
``HttpResponseConverter.encode``) fed with the same data the host sends the worker. Failures never
leak a stack trace: unknown routes get a 404 JSON body, unhandled exceptions a 500 JSON body.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from typing import Any

import azure.functions as func
from azure.functions import meta
from azure.functions.http import HttpRequestConverter, HttpResponseConverter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from devhost.functions import FunctionInfo
from devhost.invoke import Runner
from devhost.routes import Route, compile_route, sort_and_check

log = logging.getLogger("devhost.http")

MAX_BODY_BYTES = 100 * 1024 * 1024  # the Functions host's default request body limit


def function_route(function: FunctionInfo) -> str:
    """The route template of an HTTP function (its name when the binding has no route)."""
    return str(function.trigger.get("route") or function.name)


class HttpTriggers:
    """One ASGI endpoint serving every HTTP-triggered function under ``route_prefix``."""

    def __init__(self, functions: Iterable[FunctionInfo], route_prefix: str, invoker: Runner) -> None:
        self.prefix = route_prefix.strip("/")
        self.invoker = invoker
        routes = [compile_route(function_route(f), f.trigger.get("methods"), f) for f in functions]
        self.routes: list[Route] = sort_and_check(routes, lambda r: _function(r).name)

    def url_template(self, function: FunctionInfo) -> str:
        return "/".join(p for p in (self.prefix, function_route(function)) if p)

    async def handle(self, request: Request) -> Response:
        path = request.url.path
        relative = self._strip_prefix(path)
        if relative is None:
            return _not_found()
        method = request.method.upper()
        path_matched: list[Route] = []
        for route in self.routes:
            values = route.match(relative)
            if values is None:
                continue
            if method not in route.methods:
                path_matched.append(route)
                continue
            return await self._invoke(_function(route), request, values)
        if path_matched:
            allowed = sorted(set().union(*(r.methods for r in path_matched)))
            return JSONResponse(
                {"error": "method not allowed", "allowed": allowed},
                status_code=405,
                headers={"Allow": ", ".join(allowed)},
            )
        return _not_found()

    def _strip_prefix(self, path: str) -> str | None:
        path = path.lstrip("/")
        if not self.prefix:
            return path
        if path.lower() == self.prefix.lower():
            return ""
        if path.lower().startswith(self.prefix.lower() + "/"):
            return path[len(self.prefix) + 1 :]
        return None

    async def _invoke(
        self, function: FunctionInfo, request: Request, route_params: dict[str, str]
    ) -> Response:
        body = await _read_body(request)
        if body is None:
            return JSONResponse({"error": "request body too large"}, status_code=413)
        req = build_request(request, route_params, body)
        invocation_id = str(uuid.uuid4())
        try:
            result = await self.invoker.invoke(function, req)
            return to_response(result)
        except Exception:
            log.exception("function %s failed (invocation %s)", function.name, invocation_id)
            return JSONResponse(
                {"error": "internal server error", "invocationId": invocation_id}, status_code=500
            )


def build_request(request: Request, route_params: dict[str, str], body: bytes) -> func.HttpRequest:
    """The ``func.HttpRequest`` the worker would build from the host's RpcHttp message."""
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    query: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        query[name] = f"{query[name]},{value}" if name in query else value
    datum = meta.Datum(
        type="http",
        value={
            "method": meta.Datum(request.method.upper(), "string"),
            "url": meta.Datum(str(request.url), "string"),
            "headers": {k: meta.Datum(v, "string") for k, v in headers.items()},
            "query": {k: meta.Datum(v, "string") for k, v in query.items()},
            "params": {k: meta.Datum(v, "string") for k, v in route_params.items()},
            "body": meta.Datum(body, "bytes"),
        },
    )
    req: func.HttpRequest = HttpRequestConverter.decode(datum, trigger_metadata=None)
    return req


def to_response(result: Any) -> Response:
    """Convert the function's return value through the SDK's HTTP output converter."""
    if result is None:
        return Response(status_code=204)
    datum = HttpResponseConverter.encode(result, expected_type=None)
    if datum.type == "string":
        return Response(str(datum.value), 200, media_type="text/plain; charset=utf-8")
    value = datum.value
    response = Response(
        content=value["body"].value or b"",
        status_code=int(value["status_code"].value),
    )
    del response.headers["content-length"]
    for name, header in value["headers"].items():
        response.headers.append(name, str(header.value))
    for cookie in value.get("cookies") or []:
        for morsel in cookie.values():
            response.headers.append("set-cookie", morsel.OutputString())
    response.headers["content-length"] = str(len(response.body))
    return response


async def _read_body(request: Request) -> bytes | None:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    chunks = bytearray()
    async for chunk in request.stream():
        chunks.extend(chunk)
        if len(chunks) > MAX_BODY_BYTES:
            return None
    return bytes(chunks)


def _function(route: Route) -> FunctionInfo:
    target = route.target
    assert isinstance(target, FunctionInfo)
    return target


def _not_found() -> Response:
    return JSONResponse({"error": "not found", "detail": "no function matches this route"}, status_code=404)
