"""``%Setting%`` in host.json's ``hubName`` and in binding properties, as the Functions host resolves them
(issue 17: ``hubName: "%TASKHUB_NAME%"`` used to end up in status URLs as is)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from devhost.config import HostConfigError
from devhost.host import HostStartError, LocalHost
from localqueue import LocalQueue

APP = Path(__file__).parent / "apps" / "settings_app"


def settings(tmp_path: Path, **overrides: str) -> dict[str, str]:
    values = {
        "TASKHUB_NAME": "SettingsHub",
        "JOBS_QUEUE": "orders",
        "NIGHTLY": "0 0 3 * * *",
        "JobsConnection": f"UseEmbeddedStorage=true;Path={tmp_path / 'queues.sqlite3'}",
    }
    return values | overrides


async def test_settings_are_substituted_in_hub_name_and_bindings(tmp_path: Path) -> None:
    env = settings(tmp_path)
    async with LocalHost(APP, tmp_path / "state", port=0, env=env) as host, httpx.AsyncClient() as client:
        details = {f.name: f.detail for f in host.function_list()}
        assert details["work"] == "queue orders" and details["nightly"] == "schedule 0 0 3 * * *"
        started = await client.post(f"{host.base_url}/api/noop")
        assert "taskHub=SettingsHub&" in started.json()["statusQueryGetUri"]
        assert host.engine.hub_name == "SettingsHub"
        queue = LocalQueue(tmp_path / "queues.sqlite3")
        try:
            queue.send("orders", "a1")
            for _ in range(200):
                if queue.count("orders-done"):
                    break
                await asyncio.sleep(0.05)
            assert [m.body for m in queue.receive("orders-done", 1, 60)] == ["done:a1"]
        finally:
            queue.close()


async def test_an_unset_setting_in_a_binding_fails_the_start_naming_it(tmp_path: Path) -> None:
    env = settings(tmp_path)
    del env["JOBS_QUEUE"]
    with pytest.raises(HostStartError) as info:
        await LocalHost(APP, tmp_path / "state", port=0, env=env).start()
    assert "%JOBS_QUEUE%" in str(info.value) and "function work" in str(info.value)


async def test_an_unset_setting_in_the_hub_name_fails_the_start_naming_it(tmp_path: Path) -> None:
    env = settings(tmp_path)
    del env["TASKHUB_NAME"]
    with pytest.raises(HostConfigError) as info:
        await LocalHost(APP, tmp_path / "state", port=0, env=env).start()
    assert "%TASKHUB_NAME%" in str(info.value) and "hubName" in str(info.value)
