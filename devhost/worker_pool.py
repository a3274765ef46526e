"""Worker processes for the local host: ``FUNCTIONS_WORKER_PROCESS_COUNT`` = N > 1, as on Azure.

The Functions host runs N language worker processes and sends each invocation to one of them; the host
(here: the durable engine, the HTTP server, the queue and timer listeners, the SignalR stand-in) stays in
one process. ``WorkerPool`` has the ``Invoker``'s interface: ``invoke`` (any trigger) and ``run_sdk``
(an orchestrator episode or entity batch through the SDK's ``handle()``), each sent to the worker with
the fewest invocations in flight (ties in turn). A worker that dies is started again; what it was running
fails with ``WorkerCrashed`` (an activity's retry policy applies, an orchestrator episode or entity batch
is run again, an HTTP caller gets 500, a queue message becomes visible again), like on Azure.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import itertools
import logging
import os
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devhost import worker_protocol as wire
from devhost.functions import FunctionInfo
from devhost.invoke import Invoker, Runner, WorkerCrashed
from devhost.outputs import OutputDispatcher

log = logging.getLogger("devhost.workers")

COUNT_SETTING = "FUNCTIONS_WORKER_PROCESS_COUNT"
MAX_WORKERS = 10  # Azure's limit for this setting
START_TIMEOUT = 120.0
PICK_TIMEOUT = 60.0


def worker_process_count(getenv: Callable[[str], str | None]) -> int:
    """The app setting, 1 (in-process, no worker processes) when unset; a bad value is a start error."""
    raw = (getenv(COUNT_SETTING) or "1").strip()
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_WORKERS:
        raise ValueError(f"{COUNT_SETTING} must be a whole number from 1 to {MAX_WORKERS}, not {raw!r}")
    return int(raw)


async def start_runner(
    script_root: Path, outputs: OutputDispatcher, client_json: Callable[[], str] | None
) -> Runner:
    """What runs the app's functions: the host's own ``Invoker`` (N = 1) or N worker processes."""
    count = worker_process_count(os.environ.get)
    if count == 1:
        return Invoker(outputs, client_json)
    pool = WorkerPool(count, script_root, client_json() if client_json else None)
    try:
        await pool.start()
    except BaseException:
        await pool.aclose()
        raise
    return pool


@dataclass
class _Slot:
    number: int
    pid: int = 0
    writer: asyncio.StreamWriter | None = None  # set once the worker has loaded the app
    connection: asyncio.StreamWriter | None = None  # set from the process start on (closed to stop it)
    pending: dict[int, asyncio.Future[Any]] = field(default_factory=dict)
    started: int = 0  # how many processes this slot has started


class WorkerPool:
    def __init__(self, count: int, script_root: Path, client_json: str | None) -> None:
        self.script_root = Path(script_root)
        self.client_json = client_json
        self._slots = [_Slot(n) for n in range(count)]
        self._tasks: list[asyncio.Task[None]] = []
        self._changed = asyncio.Event()
        self._ids = itertools.count(1)
        self._turn = itertools.count()
        self._stopping = False
        self._load_failure: str | None = None

    @property
    def pids(self) -> list[int]:
        """Process ids of the running workers (for tests and diagnostics)."""
        return [slot.pid for slot in self._slots if slot.writer is not None]

    async def start(self, timeout: float = START_TIMEOUT) -> None:
        """Start every worker and wait until each has loaded the app."""
        self._tasks = [asyncio.create_task(self._supervise(slot)) for slot in self._slots]
        async with asyncio.timeout(timeout):
            while len(self.pids) < len(self._slots):
                if self._load_failure is not None:
                    raise RuntimeError(f"a worker process could not load the app: {self._load_failure}")
                await self._wait_changed()
        log.info("%d worker processes: %s", len(self._slots), ", ".join(map(str, self.pids)))

    async def invoke(
        self, function: FunctionInfo, trigger_value: Any, executor: concurrent.futures.Executor | None = None
    ) -> Any:
        return await self._call(("invoke", function.name, trigger_value))

    async def run_sdk(
        self, fn: Any, function: FunctionInfo, *args: Any, executor: concurrent.futures.Executor | None = None
    ) -> Any:
        return await self._call(("sdk", fn, function.name, args))

    async def aclose(self) -> None:
        self._stopping = True
        for slot in self._slots:
            if slot.connection is not None:
                slot.connection.close()  # the worker sees end of stream and exits
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []

    # dispatch ---------------------------------------------------------------------------------------

    async def _call(self, request: tuple[Any, ...]) -> Any:
        request_id = next(self._ids)
        data = wire.frame((request[0], request_id, *request[1:]))  # unpicklable input fails here, in the host
        slot = await self._pick()
        assert slot.writer is not None
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        slot.pending[request_id] = future
        try:
            slot.writer.write(data)
            with contextlib.suppress(ConnectionError):
                await slot.writer.drain()  # a broken pipe fails the future through the reader
            return await future
        finally:
            slot.pending.pop(request_id, None)

    async def _pick(self) -> _Slot:
        """The live worker with the fewest invocations in flight; ties go round in turn."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + PICK_TIMEOUT
        while True:
            live = [slot for slot in self._slots if slot.writer is not None]
            if live:
                least = min(len(slot.pending) for slot in live)
                candidates = [slot for slot in live if len(slot.pending) == least]
                return candidates[next(self._turn) % len(candidates)]
            if self._stopping or loop.time() > deadline:
                raise WorkerCrashed("no worker process is running")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, deadline - loop.time())):
                    await self._wait_changed()

    async def _wait_changed(self) -> None:
        self._changed.clear()
        await self._changed.wait()

    # one slot: start a process, serve its replies, start it again when it dies -------------------------

    async def _supervise(self, slot: _Slot) -> None:
        loop = asyncio.get_running_loop()
        backoff = 0.2
        while not self._stopping:
            began = loop.time()
            code = await self._run_process(slot)
            if self._stopping:
                return
            log.warning("worker process %d exited (code %s); starting it again", slot.number, code)
            if loop.time() - began > 30:
                backoff = 0.2
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 10.0)

    async def _run_process(self, slot: _Slot) -> int | None:
        parent, child = socket.socketpair()
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "devhost.worker",
                "--fd",
                str(child.fileno()),
                pass_fds=(child.fileno(),),
                env=_worker_environment(),
            )
        finally:
            child.close()
        slot.started += 1
        reader, writer = await asyncio.open_connection(sock=parent, limit=wire.MAX_FRAME)
        slot.connection = writer
        try:
            await self._serve(slot, reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        except Exception:  # a reply the host cannot read: drop this worker rather than guess
            log.exception("worker process %d sent a frame the host cannot read", slot.number)
        finally:
            slot.writer = None
            self._changed.set()
            pid, in_flight = slot.pid, list(slot.pending.values())
            slot.pending.clear()
            for future in in_flight:
                if not future.done():
                    future.set_exception(WorkerCrashed(f"worker process {pid} exited while running this"))
        return await _reap(process, writer)

    async def _serve(self, slot: _Slot, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Say hello, wait until the worker has loaded the app, then hand its replies to the callers."""
        hello = {
            "script_root": str(self.script_root),
            "client_json": self.client_json,
            "log_level": logging.getLogger().getEffectiveLevel(),
        }
        writer.write(wire.frame(("hello", hello)))
        await writer.drain()
        kind, value = await wire.read_frame(reader)
        if kind == "load_failed":
            self._load_failure = str(value)
            self._changed.set()
            return
        if self._stopping:
            return
        slot.pid, slot.writer = int(value), writer
        self._changed.set()
        while True:
            _, request_id, ok, value = await wire.read_frame(reader)
            future = slot.pending.get(request_id)
            if future is None or future.done():
                continue  # its caller gave up (timeout, cancellation)
            if ok:
                future.set_result(value)
            else:
                future.set_exception(wire.remote_error(*value))


def _worker_environment() -> dict[str, str]:
    """The host's environment (app settings included), with ``devhost`` importable from any directory."""
    env = dict(os.environ)
    home = str(Path(__file__).resolve().parent.parent)
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    if home not in paths:
        env["PYTHONPATH"] = os.pathsep.join([*paths, home])
    return env


async def _reap(process: asyncio.subprocess.Process, connection: asyncio.StreamWriter) -> int | None:
    """Close a worker's socket and wait for it to leave; one that does not within 5 s is killed."""
    connection.close()
    try:
        async with asyncio.timeout(5.0):
            return await process.wait()
    except TimeoutError:
        process.kill()
        return await process.wait()
