"""The local host: the equivalent of ``func start`` for a Python v2 Functions + Durable app.

``LocalHost`` applies the app settings, reads host.json, loads ``function_app.py``, starts the durable
engine, the SignalR stand-in (when ``AzureSignalRConnectionString`` points at a loopback endpoint),
the queue and timer listeners, and serves HTTP with uvicorn on the running event loop.
``LocalHost.run_in_thread()`` does the same on a background thread for CLIs and tests.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
from collections.abc import Coroutine, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from devhost.asgi_server import AsgiServer, bind_socket
from devhost.config import (
    CorsOptions,
    Environment,
    HostConfig,
    HostConfigError,
    load_host_json,
    read_local_cors,
    read_local_settings,
    resolve_binding_settings,
)
from devhost.functions import FunctionIndex, FunctionInfo, load_app
from devhost.guard import HostGuard, listen_names
from devhost.http_trigger import HttpTriggers
from devhost.invoke import Runner, check_bindings, check_durable_bindings
from devhost.outputs import OutputDispatcher, OutputError
from devhost.queue_backends import QueueFactory
from devhost.queue_trigger import QueueListener, poison_queue_name
from devhost.signalr.connection_string import SignalRConnectionString
from devhost.signalr.service import SignalRService
from devhost.static_files import StaticFiles
from devhost.system_key import key_file, load_or_create_system_key
from devhost.timer_trigger import TimerListener
from devhost.worker_pool import start_runner

log = logging.getLogger("devhost")
T = TypeVar("T")

SIGNALR_SETTING = "AzureSignalRConnectionString"
DURABLE_TRIGGERS = ("orchestrationTrigger", "activityTrigger", "entityTrigger")


class HostStartError(RuntimeError):
    """The app cannot be served: bad configuration, bindings or routes (the message says which)."""


@dataclass(frozen=True)
class ListedFunction:
    name: str
    trigger: str
    detail: str  # "[GET,POST] http://.../api/route" for HTTP, the queue or schedule otherwise


class LocalHost:
    def __init__(
        self,
        script_root: Path,
        state_dir: Path,
        port: int = 7071,
        signalr_port: int | None = None,
        env: Mapping[str, str] | None = None,
        host: str = "127.0.0.1",
        cors: CorsOptions | None = None,
        static_dir: Path | None = None,
        allowed_hosts: Iterable[str] = (),
    ) -> None:
        self.script_root = Path(script_root).resolve()
        self.state_dir = Path(state_dir).resolve()
        self.requested_port = port
        self.signalr_port = signalr_port
        self.explicit_env = dict(env or {})
        self.bind_host = host
        self.cors = cors
        self.static_dir = static_dir
        self.allowed_hosts = listen_names(host, allowed_hosts)
        self.system_key = ""  # required by the management and admin routes (devhost/guard.py)
        self.system_key_created = False
        self.config: HostConfig | None = None
        self.index: FunctionIndex | None = None
        self.signalr: SignalRService | None = None
        self.engine: Any = None
        self.http: HttpTriggers | None = None
        self._env: Environment | None = None
        self._server: AsgiServer | None = None
        self._sock: socket.socket | None = None
        self._queues = QueueFactory()
        self._outputs: OutputDispatcher | None = None
        self._invoker: Runner | None = None
        self._listeners: list[QueueListener | TimerListener] = []
        self._started = False

    # -- lifecycle -------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the host is not started")
        return self._server.port

    @property
    def base_url(self) -> str:
        return f"http://{self.bind_host}:{self.port}"

    async def start(self) -> None:
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> None:
        self._env = Environment(read_local_settings(self.script_root), self._defaults() | self.explicit_env)
        self._env.apply()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.system_key, self.system_key_created = load_or_create_system_key(self.state_dir)
        if self.system_key_created:
            log.info("system key created in %s", key_file(self.state_dir))
        self.config = load_host_json(self.script_root)
        if self.cors is None:
            self.cors = read_local_cors(self.script_root)
        self.index = load_app(self.script_root)
        try:
            for function in self.index.functions.values():
                resolve_binding_settings(function.name, function.bindings)
        except HostConfigError as exc:
            raise HostStartError(str(exc)) from None
        sock = self._sock = bind_socket(self.bind_host, self.requested_port)
        base_url = f"http://{self.bind_host}:{sock.getsockname()[1]}"
        await self._start_signalr()
        self.engine = self._make_engine(base_url)
        self._outputs = OutputDispatcher(self._queues, os.environ.get)
        client_json = self.engine.client_binding_json if self.engine is not None else None
        try:  # the host's own invoker, or FUNCTIONS_WORKER_PROCESS_COUNT worker processes
            self._invoker = await start_runner(self.script_root, self._outputs, client_json)
        except ValueError as exc:
            raise HostStartError(str(exc)) from None
        for function in self.index.functions.values():
            try:
                if function.trigger_type in ("orchestrationTrigger", "entityTrigger"):
                    check_durable_bindings(function)
                else:  # activities get their other bindings like any function, so they are checked alike
                    check_bindings(function, self.engine is not None)
                    self._outputs.check(function)
            except (ValueError, OutputError) as exc:
                raise HostStartError(str(exc)) from None
        if self.engine is not None:
            self.engine.invoker = self._invoker
        try:
            self.http = HttpTriggers(
                self.index.of_type("httpTrigger"), self.config.route_prefix, self._invoker
            )
        except ValueError as exc:
            raise HostStartError(str(exc)) from None
        if self.engine is not None:
            await self.engine.start()
        self._server = AsgiServer(self._asgi_app(), sock)
        await self._server.start()
        self._start_listeners()
        self._started = True
        log.info("host started at %s", self.base_url)

    async def stop(self) -> None:
        for listener in self._listeners:
            await listener.stop()
        self._listeners.clear()
        if self._server is not None:
            await self._server.stop()
            self._server = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self.engine is not None:
            await self.engine.stop()
            self.engine = None
            await _close_durable_client_session()
        if self.signalr is not None:
            await self.signalr.stop()
            self.signalr = None
        if self._outputs is not None:
            await self._outputs.close()
            self._outputs = None
        await self._queues.close()
        if self._invoker is not None:
            await self._invoker.aclose()
            self._invoker = None
        if self._env is not None:
            self._env.restore()
            self._env = None
        self._started = False

    async def __aenter__(self) -> LocalHost:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def run_in_thread(self, timeout: float = 60.0) -> HostThread:
        """Start this host on a background thread with its own event loop; returns once it serves."""
        handle = HostThread(self)
        handle.start(timeout)
        return handle

    # -- what the host serves ----------------------------------------------------------------------

    def function_list(self) -> list[ListedFunction]:
        """What ``func start`` prints: each function with its route or trigger."""
        assert self.index is not None and self.config is not None
        listed = []
        for function in sorted(self.index.functions.values(), key=lambda f: f.name.lower()):
            trigger = function.trigger
            kind = function.trigger_type
            if kind == "httpTrigger" and self.http is not None:
                methods = trigger.get("methods") or []
                verbs = f"[{','.join(m.upper() for m in methods)}] " if methods else ""
                detail = f"{verbs}{self.base_url}/{self.http.url_template(function)}"
            elif kind == "queueTrigger":
                detail = f"queue {trigger.get('queueName')}"
            elif kind == "timerTrigger":
                detail = f"schedule {trigger.get('schedule')}"
            else:
                detail = ""
            listed.append(ListedFunction(function.name, kind, detail))
        return listed

    def _defaults(self) -> dict[str, str]:
        return {"AzureWebJobsScriptRoot": str(self.script_root), "FUNCTIONS_WORKER_RUNTIME": "python"}

    async def _start_signalr(self) -> None:
        raw = os.environ.get(SIGNALR_SETTING)
        if not raw and self.signalr_port is None:
            return
        conn = SignalRConnectionString.parse(raw) if raw else None
        if conn is not None and not conn.is_loopback:
            return  # a real Azure SignalR Service: nothing to stand in for
        key = conn.access_key if conn is not None else None
        port = self.signalr_port if self.signalr_port is not None else (conn.port if conn else 0)
        self.signalr = SignalRService(key, port=port) if key else SignalRService(port=port)
        await self.signalr.start()
        if conn is None or self.signalr_port is not None:
            assert self._env is not None
            self._env.set(SIGNALR_SETTING, self.signalr.connection_string)

    def _make_engine(self, base_url: str) -> Any:
        assert self.index is not None and self.config is not None
        functions = self.index.functions.values()
        if not any(f.trigger_type in DURABLE_TRIGGERS or f.bindings_of("durableClient") for f in functions):
            return None
        try:
            from devhost.durable.engine import DurableEngine
        except ImportError:
            raise HostStartError("this app uses Durable Functions but devhost.durable is missing") from None
        try:
            return DurableEngine(
                self.index, self.state_dir / "durable", self.config.raw, base_url, system_key=self.system_key
            )
        except ValueError as exc:  # a bad extensions.durableTask option
            raise HostStartError(f"{self.script_root / 'host.json'}: {exc}") from None

    def _asgi_app(self) -> Starlette:
        assert self.http is not None
        routes: list[BaseRoute] = [
            Route("/admin/host/status", self._status, methods=["GET"]),
            Route("/admin/functions", self._functions, methods=["GET"]),
        ]
        if self.engine is not None:
            from devhost.durable.api import management_routes

            routes.extend(management_routes(self.engine))
        methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE"]
        routes.append(Route("/{path:path}", self.http.handle, methods=methods))
        origins = self.cors.origins if self.cors is not None else ()
        guard = Middleware(HostGuard, self.system_key, self.allowed_hosts, origins)
        middleware = [guard]  # outermost: the Host check and the key come before anything else
        if self.cors is not None and self.cors.origins:
            middleware.append(
                Middleware(
                    CORSMiddleware,
                    allow_origins=list(self.cors.origins),
                    allow_credentials=self.cors.credentials,
                    allow_methods=["*"],
                    allow_headers=["*"],
                    expose_headers=["*"],
                )
            )
        if self.static_dir is not None:
            assert self.config is not None
            prefix = self.config.route_prefix
            middleware.append(Middleware(StaticFiles, directory=self.static_dir, route_prefix=prefix))
        return Starlette(routes=routes, middleware=middleware)

    async def _status(self, request: Request) -> Response:
        return JSONResponse({"state": "Running" if self._started else "Starting"})

    async def _functions(self, request: Request) -> Response:
        return JSONResponse([f.__dict__ for f in self.function_list()])

    def _start_listeners(self) -> None:
        assert self.index is not None and self.config is not None and self._invoker is not None
        for function in self.index.of_type("queueTrigger"):
            self._listeners.append(self._queue_listener(function))
        for function in self.index.of_type("timerTrigger"):
            self._listeners.append(TimerListener(function, self.state_dir, self._invoker))
        for listener in self._listeners:
            listener.start()

    def _queue_listener(self, function: FunctionInfo) -> QueueListener:
        assert self.config is not None and self._invoker is not None
        trigger = function.trigger
        setting = str(trigger.get("connection") or "AzureWebJobsStorage")
        connection = os.environ.get(setting)
        if not connection:
            raise HostStartError(f"function {function.name}: app setting {setting!r} is not set")
        name = str(trigger.get("queueName", "")).lower()
        poison_name = poison_queue_name(name)
        poison = self._queues.open(connection, poison_name) if poison_name else None
        return QueueListener(
            function, self._queues.open(connection, name), poison, self.config.queues, self._invoker
        )


async def _close_durable_client_session() -> None:
    """The durable SDK keeps one aiohttp session per process, bound to the loop that made it; a
    later host on another loop (tests, ``run_in_thread``) needs a fresh one."""
    from azure.durable_functions.models.utils import http_utils

    await http_utils._close_session()


class HostThread:
    """A ``LocalHost`` running on its own thread and event loop."""

    def __init__(self, host: LocalHost) -> None:
        self.host = host
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="devhost", daemon=True)
        self.base_url = ""
        self.system_key = ""

    def start(self, timeout: float) -> None:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self.host.start(), self._loop)
        try:
            future.result(timeout)
        except BaseException:
            self._shutdown_loop()
            raise
        self.base_url = self.host.base_url
        self.system_key = self.host.system_key

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        """Run a coroutine on the host's event loop (e.g. a test closing what the app opened there)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def stop(self, timeout: float = 30.0) -> None:
        if not self._thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self.host.stop(), self._loop).result(timeout)
        self._shutdown_loop()

    def _shutdown_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def __enter__(self) -> HostThread:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
