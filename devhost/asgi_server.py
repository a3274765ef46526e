"""Run an ASGI app with uvicorn on the current event loop, on a socket we bind ourselves.

Binding first lets callers ask for port 0 and learn the real port before the app is built (the
durable engine needs its own base URL). uvicorn's signal handling is bypassed: the host owns
SIGINT/SIGTERM and stops servers explicitly.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

import uvicorn


class _DenialResponseFilter(logging.Filter):
    """uvicorn's sans-io WebSocket protocol logs an error after every *denial response* (an HTTP
    401/404 instead of the upgrade) although the response went out; drop that false alarm."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "ASGI callable returned without completing handshake."


logging.getLogger("uvicorn.error").addFilter(_DenialResponseFilter())


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket; a clear error if the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must say TCP: asyncio sets TCP_NODELAY on accepted sockets only then. Without it every
    # keep-alive response (headers and body written separately) waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(2048)
    sock.setblocking(False)
    return sock


class AsgiServer:
    """One uvicorn server bound to one socket; ``start`` returns once it accepts connections."""

    def __init__(self, app: Any, sock: socket.socket) -> None:
        self.sock = sock
        config = uvicorn.Config(
            app,
            log_level="warning",
            lifespan="off",
            ws="websockets-sansio",
            access_log=False,
            timeout_graceful_shutdown=5,
        )
        self._server = uvicorn.Server(config)
        self._task: asyncio.Task[None] | None = None

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    async def start(self) -> None:
        # ``_serve`` is ``serve`` without uvicorn's signal capture; the host owns the signals.
        self._task = asyncio.create_task(self._server._serve(sockets=[self.sock]), name="uvicorn")
        while not self._server.started:
            if self._task.done():
                await self._task
                raise RuntimeError("the HTTP server failed to start")
            await asyncio.sleep(0.005)

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            await self._task
            self._task = None
        self.sock.close()
