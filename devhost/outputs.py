"""Output bindings: what a function sets on ``func.Out`` (or returns as ``$return``) leaves the host.

Queue output sends each message to the named queue; blob output writes one blob
(``devhost/blob_output.py``); SignalR output turns each SignalRMessage or
SignalRGroupAction into one call to the service's REST API, exactly as the Functions extension does.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

import azure.functions as func
import httpx

from devhost.blob_output import DEFAULT_CONNECTION, BlobWriter, connection_problem
from devhost.functions import FunctionInfo
from devhost.queue_backends import QueueFactory
from devhost.signalr.connection_string import SignalRConnectionString
from devhost.signalr.tokens import sign

SUPPORTED_OUTPUTS = ("queue", "signalR", "http", "blob")
SIGNALR_API_VERSION = "2022-06-01"


class OutputError(RuntimeError):
    """An output binding value could not be delivered (the invocation counts as failed)."""


class OutValue(func.Out[Any]):
    """The object the worker passes for an output parameter."""

    def __init__(self) -> None:
        self._value: Any = None

    def set(self, val: Any) -> None:
        self._value = val

    def get(self) -> Any:
        return self._value


class OutputDispatcher:
    def __init__(self, queues: QueueFactory, setting: Callable[[str], str | None]) -> None:
        self.queues = queues
        self.setting = setting
        self._http = httpx.AsyncClient(timeout=10.0)
        self._blobs = BlobWriter()

    def check(self, function: FunctionInfo) -> None:
        """Refuse at start what could only fail at run time (a blob binding without a usable account)."""
        for binding in function.bindings_of("blob", "OUT"):
            setting = str(binding.get("connection") or DEFAULT_CONNECTION)
            problem = connection_problem(binding, self.setting(setting))
            if problem:
                raise OutputError(f"function {function.name}: {problem}")

    async def dispatch(self, binding: dict[str, Any], value: Any) -> None:
        if value is None:
            return
        kind = binding.get("type")
        if kind == "queue":
            await self._queue(binding, value)
        elif kind == "signalR":
            await self._signalr(binding, value)
        elif kind == "blob":
            connection = self._connection(binding.get("connection"), DEFAULT_CONNECTION)
            await self._blobs.write(connection, str(binding.get("path", "")), value)
        else:
            raise OutputError(f"output binding type {kind!r} is not supported by the local host")

    async def close(self) -> None:
        await self._http.aclose()
        await self._blobs.close()

    # -- queue -----------------------------------------------------------------------------------

    async def _queue(self, binding: dict[str, Any], value: Any) -> None:
        name = str(binding.get("queueName", "")).lower()
        backend = self.queues.open(self._connection(binding.get("connection"), "AzureWebJobsStorage"), name)
        for message in _queue_messages(value):
            await backend.send(message)

    # -- SignalR ---------------------------------------------------------------------------------

    async def _signalr(self, binding: dict[str, Any], value: Any) -> None:
        conn = SignalRConnectionString.parse(
            self._connection(binding.get("connectionStringSetting"), "AzureSignalRConnectionString")
        )
        hub = str(binding.get("hubName", "")).lower()
        if not hub:
            raise OutputError("signalR output binding needs hubName")
        items = json.loads(value) if isinstance(value, str | bytes) else value
        for item in items if isinstance(items, list) else [items]:
            method, tail, body = _signalr_call(item)
            await self._signalr_request(conn, hub, method, tail, body)

    async def _signalr_request(
        self, conn: SignalRConnectionString, hub: str, method: str, tail: str, body: dict[str, Any] | None
    ) -> None:
        url = f"{conn.server_endpoint}/api/hubs/{hub}{tail}"
        now = int(time.time())
        token = sign(
            {"aud": f"{url}?api-version={SIGNALR_API_VERSION}", "iat": now, "nbf": now, "exp": now + 300},
            conn.access_key,
        )
        response = await self._http.request(
            method,
            url,
            params={"api-version": SIGNALR_API_VERSION},
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )
        if response.status_code >= 400 and "NotExisted" not in response.headers.get("x-ms-error-code", ""):
            raise OutputError(f"SignalR REST {method} {tail} answered {response.status_code}")

    def _connection(self, setting_name: Any, default: str) -> str:
        name = str(setting_name or default)
        value = self.setting(name)
        if not value:
            raise OutputError(f"app setting {name!r} named by an output binding is not set")
        return value


def _queue_messages(value: Any) -> Iterable[str | bytes]:
    if isinstance(value, str | bytes):
        return [value]
    if isinstance(value, func.QueueMessage):
        return [value.get_body()]
    if isinstance(value, list | tuple):
        out: list[str | bytes] = []
        for item in value:
            out.extend(_queue_messages(item))
        return out
    return [json.dumps(value)]


def _signalr_call(item: Any) -> tuple[str, str, dict[str, Any] | None]:
    """Map one SignalRMessage / SignalRGroupAction to (method, path under the hub, body)."""
    if not isinstance(item, dict):
        raise OutputError("each SignalR output item must be a JSON object")
    fields = {str(k).lower(): v for k, v in item.items()}

    def q(name: str) -> str:
        return quote(str(fields[name]), safe="")

    if "target" in fields:
        body = {"target": fields["target"], "arguments": fields.get("arguments") or []}
        if fields.get("connectionid"):
            return "POST", f"/connections/{q('connectionid')}/:send", body
        if fields.get("userid"):
            return "POST", f"/users/{q('userid')}/:send", body
        if fields.get("groupname"):
            return "POST", f"/groups/{q('groupname')}/:send", body
        return "POST", "/:send", body
    action = str(fields.get("action", "")).lower()
    if action in ("add", "remove") and fields.get("groupname"):
        method = "PUT" if action == "add" else "DELETE"
        if fields.get("connectionid"):
            return method, f"/groups/{q('groupname')}/connections/{q('connectionid')}", None
        if fields.get("userid"):
            return method, f"/users/{q('userid')}/groups/{q('groupname')}", None
    if action == "removeall" and fields.get("userid"):
        return "DELETE", f"/users/{q('userid')}/groups", None
    raise OutputError("SignalR output item is neither a SignalRMessage nor a SignalRGroupAction")
