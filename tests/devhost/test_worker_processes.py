"""FUNCTIONS_WORKER_PROCESS_COUNT: the local host runs invocations in N worker processes, like Azure.

The sample app (``apps/workers_app``) answers with ``os.getpid()``; its "die once" functions SIGKILL their
own worker the first time, so a lost invocation must be handled as on Azure.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from devhost.host import HostStartError, HostThread, LocalHost
from devhost.worker_pool import worker_process_count

APP = Path(__file__).parent / "apps" / "workers_app"
TERMINAL = {"Completed", "Failed", "Terminated"}


@pytest.fixture(scope="module")
def markers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("markers")


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory, markers: Path) -> Iterator[HostThread]:
    env = {
        "FUNCTIONS_WORKER_PROCESS_COUNT": "2",
        "WORKERS_TEST_DIR": str(markers),
        "WorkersQueue": f"UseEmbeddedStorage=true;Path={markers / 'queues.sqlite3'}",
        "WORKERS_QUEUE": "pid-jobs",  # %Setting% in bindings is resolved in the workers too
    }
    handle = LocalHost(APP, tmp_path_factory.mktemp("state"), port=0, env=env).run_in_thread(timeout=120)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def client(host: HostThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=host.base_url, timeout=30) as c:
        yield c


def worker_pids(host: HostThread) -> set[int]:
    pool: Any = host.host._invoker
    return set(pool.pids)


def run(client: httpx.Client, host: HostThread, name: str, value: Any = None, timeout: float = 60) -> Any:
    """Start an orchestration through the app's starter; wait for it through the management API."""
    started = client.post(f"/api/start/{name}", json=value)
    assert started.status_code == 200, started.text
    instance_id = started.json()["id"]
    deadline = time.monotonic() + timeout
    while True:
        status = client.get(
            f"/runtime/webhooks/durabletask/instances/{instance_id}",
            headers={"x-functions-key": host.system_key},
        ).json()
        if status["runtimeStatus"] in TERMINAL:
            return status
        assert time.monotonic() < deadline, status
        time.sleep(0.05)


def test_http_requests_land_on_both_worker_processes(host: HostThread, client: httpx.Client) -> None:
    pids = {client.get("/api/pid").json()["pid"] for _ in range(12)}
    assert pids == worker_pids(host)
    assert len(pids) == 2
    assert os.getpid() not in pids  # the host (this process) runs no function


def read_pids(path: Path, count: int) -> set[int]:
    deadline = time.monotonic() + 30
    while True:
        lines = path.read_text().split() if path.exists() else []
        if len(lines) >= count:
            return {int(line) for line in lines}
        assert time.monotonic() < deadline, lines
        time.sleep(0.05)


def test_queue_messages_land_on_both_worker_processes(
    host: HostThread, client: httpx.Client, markers: Path
) -> None:
    assert client.post("/api/enqueue/12").status_code == 202  # output binding, in a worker
    assert read_pids(markers / "queue.pids", 12) == worker_pids(host)


def test_timer_runs_in_a_worker_process(host: HostThread, markers: Path) -> None:
    assert read_pids(markers / "timer.pids", 2) <= worker_pids(host)


def test_module_memory_differs_per_worker_process(client: httpx.Client) -> None:
    stored = client.put("/api/remember/colour", content=b"teal").json()
    seen = [client.get("/api/remember/colour").json() for _ in range(6)]
    assert {s["value"] for s in seen if s["pid"] == stored["pid"]} == {"teal"}
    assert {s["value"] for s in seen if s["pid"] != stored["pid"]} == {None}


def test_activities_run_on_both_worker_processes(host: HostThread, client: httpx.Client) -> None:
    status = run(client, host, "fan_out_pids", 20)
    assert status["runtimeStatus"] == "Completed", status
    assert set(status["output"]) == worker_pids(host)


def test_http_call_lost_with_its_worker_fails_with_500_and_the_next_is_served(
    host: HostThread, client: httpx.Client, markers: Path
) -> None:
    lost = client.post("/api/die-once/http")
    assert lost.status_code == 500
    assert lost.json()["error"] == "internal server error"
    served = client.post("/api/die-once/http")
    assert served.status_code == 200
    assert served.json()["pid"] != int((markers / "died-http").read_text())


def test_killed_worker_is_started_again(host: HostThread, client: httpx.Client) -> None:
    before = worker_pids(host)
    victim = min(before)
    os.kill(victim, signal.SIGKILL)  # a worker process this test's host started
    deadline = time.monotonic() + 60
    while victim in worker_pids(host):  # a request sent before the host sees the exit fails (500)
        assert time.monotonic() < deadline
        time.sleep(0.01)
    while True:
        assert client.get("/api/pid").status_code == 200  # the other worker serves meanwhile
        now = worker_pids(host)
        if len(now) == 2 and victim not in now:
            break
        assert time.monotonic() < deadline, now
        time.sleep(0.05)
    assert {client.get("/api/pid").json()["pid"] for _ in range(12)} == now


def test_activity_lost_with_its_worker_is_retried_by_its_policy(
    host: HostThread, client: httpx.Client, markers: Path
) -> None:
    status = run(client, host, "retry_lost_activity", "activity")
    assert status["runtimeStatus"] == "Completed", status
    assert status["output"] != int((markers / "died-activity").read_text())


def test_orchestrator_episode_lost_with_its_worker_runs_again(host: HostThread, client: httpx.Client) -> None:
    status = run(client, host, "episode_dies_once", "episode")
    assert status["runtimeStatus"] == "Completed", status
    assert status["output"][0] in worker_pids(host)


def test_entity_batch_lost_with_its_worker_runs_again_once(host: HostThread, client: httpx.Client) -> None:
    status = run(client, host, "add_to_counter")
    assert status["runtimeStatus"] == "Completed", status
    assert status["output"] == 12  # 5 + 7: the lost "add 5" was applied once


def test_one_process_by_default() -> None:
    assert worker_process_count({}.get) == 1


def test_count_1_runs_functions_in_the_host_process(tmp_path: Path) -> None:
    env = {"FUNCTIONS_WORKER_PROCESS_COUNT": "1"}  # the module's 2-worker host has set 2 in os.environ
    with LocalHost(APP, tmp_path, port=0, env=env).run_in_thread() as handle, httpx.Client() as c:
        assert c.get(f"{handle.base_url}/api/pid").json()["pid"] == os.getpid()


@pytest.mark.parametrize("value", ["0", "11", "two"])
def test_a_bad_worker_count_fails_the_start(tmp_path: Path, value: str) -> None:
    host = LocalHost(APP, tmp_path, port=0, env={"FUNCTIONS_WORKER_PROCESS_COUNT": value})
    with pytest.raises(HostStartError, match="FUNCTIONS_WORKER_PROCESS_COUNT must be a whole number"):
        host.run_in_thread()
