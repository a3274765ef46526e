"""The service's data-plane REST API, v1 (``/api/v1/hubs/...``) and 2022-06-01 (``/api/hubs/...``).

Every call needs a Bearer JWT signed with the AccessKey. Bodies are ``{"target", "arguments"}`` with
keys matched case-insensitively (the .NET management SDK sends PascalCase). 404 answers carry the
``x-ms-error-code`` the management SDK needs to treat them as "no such thing".
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from devhost.signalr import protocol
from devhost.signalr.hub import HubState, deliver
from devhost.signalr.tokens import TokenRejected, bearer_token, verify

MAX_BODY_BYTES = 1_000_000
API_VERSION = "2022-06-01"
_HUB = re.compile(r"^[A-Za-z][A-Za-z0-9_`,.\[\]]{0,127}$")

Handler = Callable[["Call"], Awaitable[Response]]


@dataclass
class Call:
    request: Request
    hub: str
    params: dict[str, str]
    state: HubState


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class RestApi:
    def __init__(self, state: HubState, access_key: str) -> None:
        self.state = state
        self.access_key = access_key
        self._routes: list[tuple[str, re.Pattern[str], bool, Handler]] = []
        for version, base in (("v1", "/api/v1/hubs/{hub}"), ("v2", "/api/hubs/{hub}")):
            for method, tail, handler in _V1_ROUTES if version == "v1" else _V2_ROUTES:
                self._routes.append((method, _compile(base + tail), version == "v2", handler))

    async def handle(self, request: Request) -> Response:
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        path = raw_path.decode("latin-1").split("?")[0]
        if path in ("/api/health", "/api/v1/health"):
            return Response(status_code=200)
        try:
            return await self._dispatch(request, path)
        except ApiError as exc:
            headers = {"x-ms-error-code": exc.code}
            if request.method == "HEAD":
                return Response(status_code=exc.status, headers=headers)
            body = {"code": exc.code, "message": exc.message}
            return JSONResponse(body, status_code=exc.status, headers=headers)

    async def _dispatch(self, request: Request, path: str) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        path_matched = False
        for route_method, pattern, needs_version, handler in self._routes:
            match = pattern.match(path)
            if match is None:
                continue
            path_matched = True
            if route_method != method:
                continue
            params = {k: unquote(v) for k, v in match.groupdict().items()}
            hub = params.pop("hub")
            if not _HUB.match(hub):
                raise ApiError(400, "Error.InvalidHubName", "invalid hub name")
            application = request.query_params.get("application")
            if application:
                hub = f"{application}_{hub}"
            if needs_version and request.query_params.get("api-version") != API_VERSION:
                raise ApiError(400, "Error.InvalidApiVersion", f"api-version={API_VERSION} is required")
            self._authorize(request, path)
            return await handler(Call(request, hub.lower(), params, self.state))
        if path_matched:
            raise ApiError(405, "Error.MethodNotAllowed", f"{request.method} is not allowed here")
        raise ApiError(404, "Error.NotFound", "no such REST API route")

    def _authorize(self, request: Request, path: str) -> None:
        try:
            verify(
                bearer_token(request.headers),
                self.access_key,
                host=request.url.hostname or "",
                path=unquote(path),
            )
        except TokenRejected as exc:
            raise ApiError(401, "Error.Unauthorized", f"unauthorized: {exc}") from None


def _compile(template: str) -> re.Pattern[str]:
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile(f"^{regex}/?$")


async def _payload(request: Request) -> str:
    """The pushed Invocation frame built from a ``{target, arguments}`` body."""
    ctype = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if ctype not in ("application/json", "text/json") and not ctype.endswith("+json"):
        raise ApiError(415, "Error.UnsupportedMediaType", "only application/json bodies are supported")
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise ApiError(413, "Error.PayloadTooLarge", "the body is larger than 1 MB")
    try:
        data = json.loads(body or b"null")
    except ValueError:
        raise ApiError(400, "Error.InvalidJson", "the body is not JSON") from None
    if not isinstance(data, dict):
        raise ApiError(400, "Error.InvalidPayload", "the body must be a JSON object")
    fields = {str(k).lower(): v for k, v in data.items()}
    target = fields.get("target")
    arguments = fields.get("arguments", [])
    if not isinstance(target, str) or not target:
        raise ApiError(400, "Error.InvalidPayload", "target is required")
    if arguments is None:
        arguments = []
    if not isinstance(arguments, list):
        raise ApiError(400, "Error.InvalidPayload", "arguments must be an array")
    frame = protocol.invocation(target, arguments)
    if len(frame.encode("utf-8")) > protocol.MAX_FRAME_BYTES:
        raise ApiError(413, "Error.PayloadTooLarge", "the message is larger than 1 MiB")
    return frame


def _excluded(call: Call) -> list[str]:
    return call.request.query_params.getlist("excluded")


def _ttl(call: Call) -> float | None:
    raw = call.request.query_params.get("ttl")
    if raw is None:
        return None
    try:
        ttl = int(raw)
    except ValueError:
        raise ApiError(400, "Error.InvalidTtl", "ttl must be whole seconds") from None
    if ttl < 0:
        raise ApiError(400, "Error.InvalidTtl", "ttl must not be negative")
    return float(ttl)


# -- handlers ----------------------------------------------------------------------------------


async def broadcast(call: Call) -> Response:
    deliver(call.state.connections(call.hub), await _payload(call.request), _excluded(call))
    return Response(status_code=202)


async def send_user(call: Call) -> Response:
    deliver(call.state.user_connections(call.hub, call.params["user"]), await _payload(call.request))
    return Response(status_code=202)


async def send_connection(call: Call) -> Response:
    conn = call.state.connection(call.hub, call.params["connection"])
    frame = await _payload(call.request)
    if conn is not None:
        conn.push(frame)
    return Response(status_code=202)


async def send_group(call: Call) -> Response:
    group = call.params["group"]
    deliver(call.state.group_connections(call.hub, group), await _payload(call.request), _excluded(call))
    return Response(status_code=202)


def _exists(found: bool, code: str) -> Response:
    if not found:
        raise ApiError(404, code, "not found")
    return Response(status_code=200)


async def connection_exists(call: Call) -> Response:
    found = call.state.connection(call.hub, call.params["connection"]) is not None
    return _exists(found, "Warning.Connection.NotExisted")


async def user_exists(call: Call) -> Response:
    return _exists(
        bool(call.state.user_connections(call.hub, call.params["user"])), "Warning.User.NotExisted"
    )


async def group_exists(call: Call) -> Response:
    found = bool(call.state.group_connections(call.hub, call.params["group"]))
    return _exists(found, "Warning.Group.NotExisted")


async def user_in_group(call: Call) -> Response:
    found = call.state.user_in_group(call.hub, call.params["group"], call.params["user"])
    return _exists(found, "Info.User.NotInGroup")


def _close(call: Call, connections: list[Any], status: int) -> Response:
    reason = call.request.query_params.get("reason") or "Connection closed by the server."
    skip = set(_excluded(call))
    for conn in connections:
        if conn.connection_id not in skip:
            conn.close(protocol.close_frame(reason, allow_reconnect=True))
    return Response(status_code=status)


def _close_one(status: int) -> Handler:
    async def handler(call: Call) -> Response:
        conn = call.state.connection(call.hub, call.params["connection"])
        return _close(call, [conn] if conn else [], status)

    return handler


async def close_all(call: Call) -> Response:
    return _close(call, call.state.connections(call.hub), 204)


async def close_group(call: Call) -> Response:
    return _close(call, call.state.group_connections(call.hub, call.params["group"]), 204)


async def close_user(call: Call) -> Response:
    return _close(call, call.state.user_connections(call.hub, call.params["user"]), 204)


def _connection_group(add: bool) -> Handler:
    async def handler(call: Call) -> Response:
        state, hub, group, cid = call.state, call.hub, call.params["group"], call.params["connection"]
        ok = (
            state.add_connection_to_group(hub, group, cid)
            if add
            else state.remove_connection_from_group(hub, group, cid)
        )
        if not ok:
            raise ApiError(404, "Error.Connection.NotExisted", "the connection does not exist")
        return Response(status_code=200)

    return handler


async def connection_leave_all(call: Call) -> Response:
    call.state.remove_connection_from_all_groups(call.hub, call.params["connection"])
    return Response(status_code=200)


def _user_group(add: bool, status: int) -> Handler:
    async def handler(call: Call) -> Response:
        if add:
            call.state.add_user_to_group(call.hub, call.params["group"], call.params["user"], _ttl(call))
        else:
            call.state.remove_user_from_group(call.hub, call.params["group"], call.params["user"])
        return Response(status_code=status)

    return handler


def _user_leave_all(status: int) -> Handler:
    async def handler(call: Call) -> Response:
        call.state.remove_user_from_all_groups(call.hub, call.params["user"])
        return Response(status_code=status)

    return handler


_V1_ROUTES: list[tuple[str, str, Handler]] = [
    ("POST", "", broadcast),
    ("POST", "/users/{user}", send_user),
    ("GET", "/users/{user}", user_exists),
    ("DELETE", "/users/{user}/groups", _user_leave_all(200)),
    ("POST", "/connections/{connection}", send_connection),
    ("GET", "/connections/{connection}", connection_exists),
    ("DELETE", "/connections/{connection}", _close_one(202)),
    ("POST", "/groups/{group}", send_group),
    ("GET", "/groups/{group}", group_exists),
    ("PUT", "/groups/{group}/connections/{connection}", _connection_group(True)),
    ("DELETE", "/groups/{group}/connections/{connection}", _connection_group(False)),
    ("GET", "/groups/{group}/users/{user}", user_in_group),
    ("PUT", "/groups/{group}/users/{user}", _user_group(True, 202)),
    ("DELETE", "/groups/{group}/users/{user}", _user_group(False, 202)),
]

_V2_ROUTES: list[tuple[str, str, Handler]] = [
    ("POST", "/:send", broadcast),
    ("POST", "/:closeConnections", close_all),
    ("POST", "/users/{user}/:send", send_user),
    ("POST", "/users/{user}/:closeConnections", close_user),
    ("GET", "/users/{user}", user_exists),
    ("DELETE", "/users/{user}/groups", _user_leave_all(204)),
    ("GET", "/users/{user}/groups/{group}", user_in_group),
    ("PUT", "/users/{user}/groups/{group}", _user_group(True, 200)),
    ("DELETE", "/users/{user}/groups/{group}", _user_group(False, 204)),
    ("POST", "/connections/{connection}/:send", send_connection),
    ("GET", "/connections/{connection}", connection_exists),
    ("DELETE", "/connections/{connection}", _close_one(200)),
    ("DELETE", "/connections/{connection}/groups", connection_leave_all),
    ("PUT", "/connections/{connection}/groups/{group}", _connection_group(True)),
    ("DELETE", "/connections/{connection}/groups/{group}", _connection_group(False)),
    ("POST", "/groups/{group}/:send", send_group),
    ("POST", "/groups/{group}/:closeConnections", close_group),
    ("GET", "/groups/{group}", group_exists),
    ("PUT", "/groups/{group}/connections/{connection}", _connection_group(True)),
    ("DELETE", "/groups/{group}/connections/{connection}", _connection_group(False)),
    ("GET", "/groups/{group}/users/{user}", user_in_group),
    ("PUT", "/groups/{group}/users/{user}", _user_group(True, 200)),
    ("DELETE", "/groups/{group}/users/{user}", _user_group(False, 204)),
]
