"""A worker process of the local host (``python -m devhost.worker --fd N``), like a Python language worker.

It loads the app with the host's own loader, then runs the invocations the host sends over its socket
(``devhost/worker_protocol.py``): functions of any trigger through its own ``Invoker`` (so output bindings
and ``durableClient`` work as in the host), and the SDK's orchestrator/entity ``handle()`` on one thread.
Module-level state of the app lives in each worker separately, as on Azure. It exits when the host closes
the socket.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from devhost import worker_protocol as wire
from devhost.config import resolve_binding_settings
from devhost.functions import FunctionIndex, load_app
from devhost.invoke import Invoker
from devhost.outputs import OutputDispatcher
from devhost.queue_backends import QueueFactory

log = logging.getLogger("devhost.worker")


class Worker:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.index: FunctionIndex | None = None
        self.invoker: Invoker | None = None
        self.queues = QueueFactory()
        self.sdk_thread = ThreadPoolExecutor(1, thread_name_prefix="durable-sdk")
        self.tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        kind, options = await wire.read_frame(self.reader)
        assert kind == "hello"
        logging.getLogger().setLevel(int(options.get("log_level", logging.WARNING)))
        try:
            self.index = load_app(Path(options["script_root"]))
            for function in self.index.functions.values():  # %Setting% in bindings, as the host did
                resolve_binding_settings(function.name, function.bindings)
        except Exception as exc:  # the host loaded it already, so this is rare: say why and leave
            await self._send(("load_failed", f"{type(exc).__name__}: {exc}"))
            return
        client_json = options.get("client_json")
        outputs = OutputDispatcher(self.queues, os.environ.get)
        self.invoker = Invoker(outputs, (lambda: client_json) if client_json else None)
        await self._send(("ready", os.getpid()))
        try:
            while True:
                try:
                    request = await wire.read_frame(self.reader)
                except (asyncio.IncompleteReadError, ConnectionError):
                    return  # the host is gone or stopping
                task = asyncio.create_task(self._serve(request))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
        finally:
            await self._close(outputs)

    async def _serve(self, request: tuple[Any, ...]) -> None:
        kind, request_id = request[0], request[1]
        try:
            if kind == "invoke":
                result = await self._invoke(request[2], request[3])
            elif kind == "sdk":
                result = await self._sdk(request[2], request[3], request[4])
            else:
                raise ValueError(f"unknown request {kind!r}")
            reply = wire.frame(("done", request_id, True, result))
        except Exception as exc:
            details = (type(exc).__name__, str(exc), traceback.format_exc())
            reply = wire.frame(("done", request_id, False, details))
        with contextlib.suppress(ConnectionError):
            self.writer.write(reply)
            await self.writer.drain()

    async def _invoke(self, name: str, trigger_value: Any) -> Any:
        assert self.index is not None and self.invoker is not None
        function = self.index.get(name)
        if function is None:
            raise LookupError(f"The function '{name}' doesn't exist in this worker.")
        return await self.invoker.invoke(function, trigger_value)

    async def _sdk(self, fn: Any, name: str, args: tuple[Any, ...]) -> Any:
        """``fn(handle, *args)`` (``replay.invoke``, ``entities.run_batch``) with the app's ``handle``."""
        assert self.index is not None
        function = self.index.get(name)
        handle = function.callable if function is not None else None
        return await asyncio.get_running_loop().run_in_executor(self.sdk_thread, fn, handle, *args)

    async def _send(self, message: Any) -> None:
        self.writer.write(wire.frame(message))
        await self.writer.drain()

    async def _close(self, outputs: OutputDispatcher) -> None:
        for task in list(self.tasks):
            task.cancel()
        await outputs.close()
        await self.queues.close()
        with contextlib.suppress(Exception):  # the durable SDK's per-process aiohttp session
            from azure.durable_functions.models.utils import http_utils

            await http_utils._close_session()
        if self.invoker is not None:
            self.invoker.close()
        self.sdk_thread.shutdown(wait=False, cancel_futures=True)
        self.writer.close()


async def main_async(fd: int) -> None:
    sock = socket.socket(fileno=fd)
    reader, writer = await asyncio.open_connection(sock=sock, limit=wire.MAX_FRAME)
    await Worker(reader, writer).run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devhost.worker")
    parser.add_argument("--fd", type=int, required=True, help="the socket the host passed")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the host stops us
    logging.basicConfig(
        level=logging.WARNING, format=f"[%(asctime)s] worker {os.getpid()} %(name)s %(levelname)s %(message)s"
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main_async(args.fd))
    return 0


if __name__ == "__main__":
    sys.exit(main())
