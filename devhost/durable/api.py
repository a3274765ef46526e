"""The Durable HTTP API (``/runtime/webhooks/durabletask/...``): the public monitor API and the SDK's RPC API.

Both are the same routes, as on the real host; the client binding points ``rpcBaseUrl`` here.
"""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from devhost.durable.binding import WEBHOOK_PATH, management_urls
from devhost.durable.core import EngineError
from devhost.durable.events import parse_iso
from devhost.durable.history_view import public_history

if TYPE_CHECKING:  # for annotations only: the engine does not import this module, so there is no cycle
    from devhost.durable.engine import DurableEngine
    from devhost.durable.store import InstanceRow

RUNNING_LIKE = frozenset({"Running", "Pending", "ContinuedAsNew", "Suspended"})
DEFAULT_PAGE = 100


class BadRequest(Exception):
    """Maps to 400 with the host's ``ArgumentException`` body."""


def error(status: int, message: str) -> JSONResponse:
    kind = "System.ArgumentException" if status == 400 else "System.InvalidOperationException"
    body = {"Message": message, "ExceptionMessage": message, "ExceptionType": kind, "StackTrace": None}
    return JSONResponse(body, status_code=status)


def flag(request: Request, name: str, default: bool) -> bool:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in ("true", "1"):
        return True
    if value in ("false", "0", ""):
        return False
    raise BadRequest(f"Invalid boolean value '{raw}' for '{name}'.")


def time_param(request: Request, name: str) -> float | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return parse_iso(raw).timestamp()
    except ValueError as exc:
        raise BadRequest(f"Invalid date/time value '{raw}' for '{name}'.") from exc


def page_params(request: Request) -> tuple[int, int]:
    """``top`` (page size) and the offset carried by the ``x-ms-continuation-token`` request header."""
    top_raw = request.query_params.get("top")
    try:
        top = int(top_raw) if top_raw else DEFAULT_PAGE
        token = request.headers.get("x-ms-continuation-token")
        offset = int(base64.urlsafe_b64decode(token.encode()).decode()) if token else 0
    except ValueError as exc:
        raise BadRequest("Invalid 'top' or continuation token.") from exc
    if top <= 0 or offset < 0:
        raise BadRequest("'top' must be positive.")
    return top, offset


def continuation(offset: int, top: int, more: bool) -> dict[str, str]:
    if not more:
        return {}
    return {"x-ms-continuation-token": base64.urlsafe_b64encode(str(offset + top).encode()).decode()}


def iso_seconds(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def status_json(
    engine: DurableEngine,
    row: InstanceRow,
    show_input: bool = True,
    show_history: bool = False,
    show_history_output: bool = False,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": row.name,
        "instanceId": row.instance_id,
        "runtimeStatus": row.status,
        "input": _loads(row.input) if show_input else None,
        "customStatus": _loads(row.custom_status),
        "output": _loads(row.output),
        "createdTime": iso_seconds(row.created),
        "lastUpdatedTime": iso_seconds(row.updated),
    }
    if show_history:
        events = engine.history_events(row.instance_id)
        body["historyEvents"] = public_history(events, show_history_output, show_input)
    return body


def check_status(request: Request, engine: DurableEngine, instance_id: str) -> dict[str, str]:
    base = f"{request.url.scheme}://{request.url.netloc}{WEBHOOK_PATH}"
    return management_urls(base, instance_id, engine.hub_name, system_key=engine.system_key)


def accepted_check_status(request: Request, engine: DurableEngine, instance_id: str) -> JSONResponse:
    payload = check_status(request, engine, instance_id)
    headers = {"Location": payload["statusQueryGetUri"], "Retry-After": "10"}
    return JSONResponse(payload, status_code=202, headers=headers)


async def read_json_body(request: Request) -> tuple[bool, Any]:
    raw = await request.body()
    if not raw.strip():
        return False, None
    try:
        return True, json.loads(raw)
    except ValueError as exc:
        raise BadRequest("The request body is not valid JSON.") from exc


async def wait_terminal(engine: DurableEngine, instance_id: str, timeout: float) -> InstanceRow | None:
    deadline = time.monotonic() + timeout
    while True:
        row = engine.get_row(instance_id)
        if row is None or row.status not in RUNNING_LIKE:
            return row
        left = deadline - time.monotonic()
        if left <= 0:
            return row
        await engine.wait_changed(min(left, 1.0))


def management_routes(engine: DurableEngine) -> list[BaseRoute]:
    """Every route of the Durable HTTP API, bound to ``engine``."""

    def handler(fn: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            try:
                response: Response = await fn(request)
                return response
            except BadRequest as exc:
                return error(400, str(exc))
            except EngineError as exc:
                if exc.status == 404:
                    return Response(status_code=404)
                return error(exc.status, str(exc))

        return endpoint

    async def start(request: Request) -> Response:
        name = request.path_params["fn"]
        has_input, value = await read_json_body(request)
        version = request.query_params.get("version")
        instance_id = engine.start_new(name, request.path_params.get("id"), value, has_input, version)
        timeout = request.query_params.get("timeout")
        if timeout and request.query_params.get("pollingInterval"):
            try:
                seconds = float(timeout)
            except ValueError as exc:
                raise BadRequest("Invalid timeout.") from exc
            row = await wait_terminal(engine, instance_id, seconds)
            if row is not None and row.status == "Completed":
                return JSONResponse(_loads(row.output), status_code=200)
            if row is not None and row.status not in RUNNING_LIKE:
                return JSONResponse(status_json(engine, row), status_code=200)
        return accepted_check_status(request, engine, instance_id)

    async def get_instance(request: Request) -> Response:
        instance_id = request.path_params["id"]
        row = engine.get_row(instance_id)
        if row is None:
            return Response(status_code=404)
        body = status_json(
            engine,
            row,
            show_input=flag(request, "showInput", True),
            show_history=flag(request, "showHistory", False),
            show_history_output=flag(request, "showHistoryOutput", False),
        )
        if row.status in RUNNING_LIKE:
            location = check_status(request, engine, instance_id)["statusQueryGetUri"]
            return JSONResponse(body, status_code=202, headers={"Location": location, "Retry-After": "5"})
        if row.status == "Failed" and flag(request, "returnInternalServerErrorOnFailure", False):
            return JSONResponse(body, status_code=500)
        return JSONResponse(body, status_code=200)

    def filters(request: Request, purge: bool) -> tuple[str, tuple[Any, ...]]:
        clauses: list[str] = []
        params: list[Any] = []
        created_from = time_param(request, "createdTimeFrom")
        created_to = time_param(request, "createdTimeTo")
        if purge and created_from is None:
            raise BadRequest("A 'createdTimeFrom' query parameter is required.")
        if created_from is not None:
            clauses.append("created >= ?")
            params.append(created_from)
        if created_to is not None:
            clauses.append("created <= ?")
            params.append(created_to)
        statuses = [
            s.strip()
            for value in request.query_params.getlist("runtimeStatus")
            for s in value.split(",")
            if s.strip()
        ]
        if statuses:
            clauses.append(f"status IN ({','.join('?' * len(statuses))})")
            params.extend(statuses)
        prefix = request.query_params.get("instanceIdPrefix")
        if prefix and not purge:
            clauses.append("substr(instance_id, 1, ?) = ?")
            params.extend([len(prefix), prefix])
        return " AND ".join(clauses), tuple(params)

    async def list_instances(request: Request) -> Response:
        where, params = filters(request, purge=False)
        top, offset = page_params(request)
        rows = engine.store.query_instances(where, params, limit=top + 1, offset=offset)
        show_input = flag(request, "showInput", True)
        body = [status_json(engine, r, show_input=show_input) for r in rows[:top]]
        return JSONResponse(body, headers=continuation(offset, top, len(rows) > top))

    async def purge_instance(request: Request) -> Response:
        deleted = engine.purge(request.path_params["id"])
        if not deleted:
            return Response(status_code=404)
        return JSONResponse({"instancesDeleted": deleted})

    async def purge_instances(request: Request) -> Response:
        where, params = filters(request, purge=True)
        deleted = engine.purge_where(where, params)
        if not deleted:
            return Response(status_code=404)
        return JSONResponse({"instancesDeleted": deleted})

    async def raise_event(request: Request) -> Response:
        content_type = request.headers.get("content-type", "")
        if not content_type.lower().startswith("application/json"):
            raise BadRequest("Only application/json request content is supported.")
        has_value, value = await read_json_body(request)
        engine.raise_event(request.path_params["id"], request.path_params["event"], value, has_value)
        return Response(status_code=202)

    def control(operation: str) -> Any:
        async def run(request: Request) -> Response:
            instance_id = request.path_params["id"]
            reason = request.query_params.get("reason")
            getattr(engine, operation)(instance_id, reason)
            return Response(status_code=202)

        return run

    async def restart(request: Request) -> Response:
        row = engine.get_row(request.path_params["id"])
        if row is None:
            raise BadRequest(f"No instance with ID '{request.path_params['id']}' was found.")
        new_id = None if flag(request, "restartWithNewInstanceId", True) else row.instance_id
        has_input = row.input is not None
        instance_id = engine.start_new(row.name, new_id, _loads(row.input), has_input)
        return accepted_check_status(request, engine, instance_id)

    async def read_entity(request: Request) -> Response:
        key = request.path_params["key"]
        exists, state = engine.read_entity(request.path_params["name"], "" if key == "$" else key)
        if not exists:
            return Response(status_code=404)
        return Response(state or "null", media_type="application/json")

    async def list_entities(request: Request) -> Response:
        name = request.path_params["name"]
        fetch_state = flag(request, "fetchState", False)
        since = time_param(request, "lastOperationTimeFrom")
        until = time_param(request, "lastOperationTimeTo")
        top, offset = page_params(request)
        entries = []
        for entity_id, present, state, last in engine.list_entities(name):
            if not present or (since is not None and last < since) or (until is not None and last > until):
                continue
            _, entity_name, key = entity_id.split("@", 2)
            entry: dict[str, Any] = {
                "entityId": {"name": entity_name, "key": key},
                "lastOperationTime": iso_seconds(last),
            }
            if fetch_state:
                entry["state"] = _loads(state)
            entries.append(entry)
        page = entries[offset : offset + top]
        return JSONResponse(page, headers=continuation(offset, top, len(entries) > offset + top))

    async def signal_entity(request: Request) -> Response:
        op = request.query_params.get("op") or ("delete" if request.method == "DELETE" else "")
        raw = await request.body()
        value: Any = None
        if raw.strip():
            if request.headers.get("content-type", "").lower().startswith("application/json"):
                try:
                    value = json.loads(raw)
                except ValueError as exc:
                    raise BadRequest("The request body is not valid JSON.") from exc
            else:
                value = raw.decode("utf-8", errors="replace")
        key = request.path_params["key"]
        engine.signal_entity(request.path_params["name"], "" if key == "$" else key, op, value)
        return Response(status_code=202)

    p = WEBHOOK_PATH
    routes: list[BaseRoute] = [
        Route(f"{p}/orchestrators/{{fn}}", handler(start), methods=["POST"]),
        Route(f"{p}/orchestrators/{{fn}}/{{id}}", handler(start), methods=["POST"]),
        Route(f"{p}/instances", handler(list_instances), methods=["GET"]),
        Route(f"{p}/instances/", handler(list_instances), methods=["GET"]),
        Route(f"{p}/instances", handler(purge_instances), methods=["DELETE"]),
        Route(f"{p}/instances/", handler(purge_instances), methods=["DELETE"]),
        Route(f"{p}/instances/{{id}}", handler(get_instance), methods=["GET"]),
        Route(f"{p}/instances/{{id}}", handler(purge_instance), methods=["DELETE"]),
        Route(f"{p}/instances/{{id}}/raiseEvent/{{event}}", handler(raise_event), methods=["POST"]),
        Route(f"{p}/instances/{{id}}/terminate", handler(control("terminate")), methods=["POST"]),
        Route(f"{p}/instances/{{id}}/suspend", handler(control("suspend")), methods=["POST"]),
        Route(f"{p}/instances/{{id}}/resume", handler(control("resume")), methods=["POST"]),
        Route(f"{p}/instances/{{id}}/rewind", handler(control("rewind")), methods=["POST"]),
        Route(f"{p}/instances/{{id}}/restart", handler(restart), methods=["POST"]),
        Route(f"{p}/entities/{{name}}", handler(list_entities), methods=["GET"]),
        Route(f"{p}/entities/{{name}}/{{key}}", handler(read_entity), methods=["GET"]),
        Route(f"{p}/entities/{{name}}/{{key}}", handler(signal_entity), methods=["POST", "DELETE"]),
    ]
    return routes


__all__ = ["management_routes", "status_json"]
