"""Run the durable engine behind a real uvicorn server for tests (engine routes only)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import azure.durable_functions as df
import uvicorn
from azure.durable_functions.models.utils import http_utils
from starlette.applications import Starlette

from devhost.durable.engine import DurableEngine
from devhost.functions import load_app

APPS = Path(__file__).parent.parent / "apps"
TERMINAL = {"Completed", "Failed", "Terminated", "Canceled"}


@dataclass
class Harness:
    engine: DurableEngine
    client: df.DurableOrchestrationClient
    base_url: str

    @property
    def api(self) -> str:
        return f"{self.base_url}/runtime/webhooks/durabletask"

    async def wait(self, instance_id: str, timeout: float = 20.0, statuses: set[str] | None = None) -> Any:
        """Poll the status through the client until it reaches one of ``statuses`` (default: terminal)."""
        wanted = statuses or TERMINAL
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            status = await self.client.get_status(instance_id)
            if status and status.runtime_status and status.runtime_status.value in wanted:
                return status
            if loop.time() > deadline:
                raise AssertionError(f"{instance_id} still {status.runtime_status if status else None}")
            await self.engine.wait_changed(0.05)


@asynccontextmanager
async def running_engine(
    state_dir: Path, app: str = "durable_basics", host_json: dict[str, Any] | None = None
) -> AsyncIterator[Harness]:
    index = load_app(APPS / app)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.setblocking(False)
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    engine = DurableEngine(index, state_dir, host_json or {}, base_url)
    await engine.start()
    config = uvicorn.Config(Starlette(routes=engine.routes), log_level="warning", lifespan="off")
    config.load()
    server = uvicorn.Server(config)
    server.lifespan = config.lifespan_class(config)
    await server.startup(sockets=[sock])
    task = asyncio.create_task(server.main_loop())
    try:
        yield Harness(engine, df.DurableOrchestrationClient(engine.client_binding_json()), base_url)
    finally:
        # the SDK keeps one aiohttp session per process (one worker loop); tests use a loop per test
        await http_utils._close_session()
        server.should_exit = True
        await task
        await server.shutdown(sockets=[sock])
        sock.close()
        await engine.stop()
