"""Run the sample apps on the local host for the durable engine tests."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import azure.durable_functions as df

from devhost.durable.engine import DurableEngine
from devhost.host import LocalHost

APPS = Path(__file__).parent.parent / "apps"
TERMINAL = {"Completed", "Failed", "Terminated", "Canceled"}


@dataclass
class Harness:
    engine: DurableEngine
    client: df.DurableOrchestrationClient
    base_url: str
    system_key: str

    @property
    def api(self) -> str:
        return f"{self.base_url}/runtime/webhooks/durabletask"

    @property
    def key_header(self) -> dict[str, str]:
        """What management API callers send (the host requires the system key)."""
        return {"x-functions-key": self.system_key}

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
    """The sample app on the project's ``LocalHost`` (real server, durable engine, HTTP triggers).

    ``host_json`` settings are tried on a copy of the app with that host.json.
    """
    script_root = APPS / app
    if host_json is not None:
        script_root = state_dir.parent / f"{app}-app"
        shutil.copytree(APPS / app, script_root, dirs_exist_ok=True)
        (script_root / "host.json").write_text(json.dumps({"version": "2.0", **host_json}))
    async with LocalHost(script_root, state_dir, port=0) as host:
        engine = host.engine
        assert isinstance(engine, DurableEngine)
        client = df.DurableOrchestrationClient(engine.client_binding_json())
        yield Harness(engine, client, host.base_url, host.system_key)
