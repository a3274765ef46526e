"""The host's front door: the ``Host`` header check and the system key on management and admin routes.

Azure's front end only delivers requests addressed to the app's host names, and its Durable HTTP API
(``/runtime/webhooks/durabletask``) and ``/admin`` routes require a key. The local host does the same,
so a web page cannot drive it from a developer's browser:

- a request whose ``Host`` is not an address the host listens on gets **421** (a DNS-rebinding page
  reaches 127.0.0.1 under its own name);
- a management or admin request without the key (``code=`` query parameter or ``x-functions-key``
  header) gets **401**; a state-changing one from a foreign ``Origin`` gets **403** even with the key;
- the SDK's RPC calls carry no key (``DurableOrchestrationClient`` ignores
  ``requiredQueryStringParameters``), so ``rpcBaseUrl`` carries it as a path segment instead:
  ``/runtime/webhooks/durabletask/rpc/<key>/instances/...`` is the management API behind the same check (on Azure the RPC
  endpoint is a loopback port unreachable from outside the sandbox; on a developer's machine any page
  can reach loopback, so it needs the key too).
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from devhost.durable.binding import RPC_PATH, WEBHOOK_PATH
from devhost.system_key import same_key

KEY_HEADER = b"x-functions-key"
PROTECTED_PREFIXES = (WEBHOOK_PATH.lower(), "/admin")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
WILDCARD_ADDRESSES = frozenset({"", "0.0.0.0", "::"})


def listen_names(bind_host: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """Host names a request may be addressed to: the bound address, loopback names when they reach it,
    the machine's names and addresses when listening on all interfaces, and any names given."""
    names = {_normalise(bind_host)}
    if bind_host in LOOPBACK_NAMES or bind_host.startswith("127.") or bind_host in WILDCARD_ADDRESSES:
        names |= LOOPBACK_NAMES
    if bind_host in WILDCARD_ADDRESSES:
        machine = {socket.gethostname(), socket.getfqdn()}
        for name in list(machine):
            try:
                machine |= set(socket.gethostbyname_ex(name)[2])
            except OSError:
                continue
        names |= {_normalise(n) for n in machine}
    names |= {_normalise(n) for n in extra}
    names.discard("")
    return frozenset(names)


class HostGuard:
    """ASGI middleware in front of every route of the host's HTTP port."""

    def __init__(
        self, app: ASGIApp, key: str, allowed_hosts: frozenset[str], allowed_origins: Iterable[str] = ()
    ) -> None:
        self.app = app
        self.key = key
        self.allowed_hosts = allowed_hosts
        self.allowed_origins = frozenset(o.rstrip("/").lower() for o in allowed_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        raw_host = headers.get(b"host", b"").decode("latin-1")
        if _host_name(raw_host) not in self.allowed_hosts:
            message = f"the Host header {raw_host!r} is not an address this host listens on"
            await _refuse(scope, receive, send, 421, "misdirected request", message)
            return
        path: str = scope["path"]
        if path.startswith(RPC_PATH + "/"):
            given, _, rest = path[len(RPC_PATH) + 1 :].partition("/")
            if not same_key(given, self.key):
                await _refuse(scope, receive, send, 401, "unauthorized", "a valid system key is required")
                return
            inner = f"{WEBHOOK_PATH}/{rest}"
            scope = dict(scope, path=inner, raw_path=inner.encode())
        elif _is_protected(path.lower()):
            if not same_key(_given_key(scope, headers), self.key):
                message = "a valid system key is required (code= query parameter or x-functions-key header)"
                await _refuse(scope, receive, send, 401, "unauthorized", message)
                return
            origin = headers.get(b"origin")
            if scope.get("method", "GET") not in SAFE_METHODS and origin and not self._origin_ok(origin):
                message = "state-changing management requests are not accepted from other origins"
                await _refuse(scope, receive, send, 403, "forbidden", message)
                return
        await self.app(scope, receive, send)

    def _origin_ok(self, origin: bytes) -> bool:
        text = origin.decode("latin-1").rstrip("/").lower()
        return text in self.allowed_origins or _host_name(urlsplit(text).netloc) in self.allowed_hosts


def _is_protected(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in PROTECTED_PREFIXES)


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return {k.lower(): v for k, v in scope.get("headers", [])}


def _given_key(scope: Scope, headers: dict[bytes, bytes]) -> str | None:
    header = headers.get(KEY_HEADER)
    if header:
        return header.decode("latin-1")
    codes = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("code")
    return codes[0] if codes else None


def _normalise(name: str) -> str:
    return name.strip().strip("[]").rstrip(".").lower()


def _host_name(authority: str) -> str:
    """The name in a ``Host`` value, without the port (``[::1]:7071`` → ``::1``)."""
    authority = authority.strip()
    if authority.startswith("["):
        return _normalise(authority.split("]", 1)[0])
    return _normalise(authority.rsplit(":", 1)[0] if authority.count(":") == 1 else authority)


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, error: str, message: str) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008, "reason": error})
        return
    body: dict[str, Any] = {"error": error, "message": message}
    await JSONResponse(body, status_code=status)(scope, receive, send)
