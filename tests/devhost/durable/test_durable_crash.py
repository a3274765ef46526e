"""Crash safety: a subprocess host killed with SIGKILL mid-fan-out resumes on the same state folder."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import httpx
from durable_harness import APPS

from devhost.system_key import read_system_key

REPO = Path(__file__).resolve().parents[3]


@contextmanager
def host_process(state: Path, runs_file: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``python -m devhost start`` on a free port; yields the process and its durable API base URL."""
    env = {
        **os.environ,
        "DURABLE_TEST_RUNS": str(runs_file),
        "DURABLE_TEST_SLOW": "0.02",
        "PYTHONUNBUFFERED": "1",
    }
    command = [sys.executable, "-m", "devhost", "start", "--script-root", str(APPS / "durable_basics")]
    command += ["--port", "0", "--state", str(state)]
    proc = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert proc.stdout is not None
        base = ""
        deadline = time.monotonic() + 30
        while not base and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                raise AssertionError("host exited before it started")
            if line.startswith("Host started at "):
                base = line.removeprefix("Host started at ").strip()
        assert base, "host did not report its address"
        yield proc, f"{base}/runtime/webhooks/durabletask"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


def key_header(state: Path) -> dict[str, str]:
    """The management API needs the system key the host stored in its state folder."""
    return {"x-functions-key": read_system_key(state)}


def wait_for(http: httpx.Client, instance_id: str, wanted: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = http.get(f"/instances/{instance_id}")
        if response.status_code in (200, 202) and response.json()["runtimeStatus"] == wanted:
            return response.json()
        time.sleep(0.02)
    raise AssertionError(f"{instance_id} did not reach {wanted}")


def wait_until_mid_fan_out(db_path: Path, n: int, timeout: float = 30) -> None:
    """Until some (not all) of the fan-out's completions are committed (read beside the host, WAL)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if db_path.exists():
            with closing(sqlite3.connect(db_path)) as db:
                try:
                    (pending,) = db.execute(
                        "SELECT count(*) FROM messages WHERE queue = 'activity'"
                    ).fetchone()
                except sqlite3.OperationalError:  # tables not created yet
                    pending = 0
            if 0 < pending <= n - n // 5:
                return
        time.sleep(0.002)
    raise AssertionError("the fan-out never got under way")


def test_sigkill_mid_fan_out_then_restart_completes_without_rerunning_finished_work(tmp_path: Path) -> None:
    state, runs_file = tmp_path / "state", tmp_path / "runs.txt"
    runs_file.touch()
    n = 300
    with (
        host_process(state, runs_file) as (proc, api),
        httpx.Client(base_url=api, headers=key_header(state)) as http,
    ):
        assert (
            http.post("/orchestrators/fan_out/fan", json={"n": n, "activity": "slow_double"}).status_code
            == 202
        )
        assert http.post("/orchestrators/waiter/wait").status_code == 202
        assert (
            http.post("/orchestrators/monitor/mon", json={"polls": 3, "interval_ms": 800}).status_code == 202
        )
        wait_for(http, "wait", "Running")
        assert http.post("/instances/wait/raiseEvent/go", json="before").status_code == 202
        wait_until_mid_fan_out(state / "durable" / "durable.sqlite3", n)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    # What had durably finished at the moment of the kill: scheduled but no longer pending.
    with closing(sqlite3.connect(state / "durable" / "durable.sqlite3")) as db:
        pending = {
            json.loads(json.loads(payload)["input"])
            for (payload,) in db.execute("SELECT payload FROM messages WHERE queue = 'activity'")
        }
        status = dict(db.execute("SELECT instance_id, status FROM instances").fetchall())
    assert status["fan"] == "Running" and 0 < len(pending) < n, "the kill did not land mid-fan-out"
    before_restart = Counter(runs_file.read_text().splitlines())

    with (
        host_process(state, runs_file) as (_proc, api),
        httpx.Client(base_url=api, headers=key_header(state)) as http,
    ):
        assert http.post("/instances/wait/raiseEvent/go", json="after").status_code == 202
        fan = wait_for(http, "fan", "Completed")
        assert fan["output"] == sum(2 * i for i in range(n))
        assert wait_for(http, "wait", "Completed")["output"] == ["before", "after"]  # no event lost
        assert wait_for(http, "mon", "Completed", timeout=10)["output"] == 3  # timers resumed

    runs = Counter(runs_file.read_text().splitlines())
    finished = set(range(n)) - pending
    assert all(runs[f"slow_double:{i}"] == 1 for i in finished), "a finished activity ran again"
    assert all(runs[f"slow_double:{i}"] >= 1 for i in pending)
    rerun_in_flight = [i for i in pending if before_restart[f"slow_double:{i}"]]
    assert all(runs[f"slow_double:{i}"] == 2 for i in rerun_in_flight)  # at-least-once for in-flight work


def test_http_starter_with_durable_client_binding_through_the_local_host(tmp_path: Path) -> None:
    runs_file = tmp_path / "runs.txt"
    runs_file.touch()
    with host_process(tmp_path / "state", runs_file) as (_proc, api), httpx.Client() as http:
        base = api.removesuffix("/runtime/webhooks/durabletask")
        started = http.post(f"{base}/api/start/chain", json=["Oslo", "Lima"])
        assert started.status_code == 202
        links = started.json()
        assert links["statusQueryGetUri"].startswith(f"{base}/runtime/webhooks/durabletask/instances/")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            status = http.get(links["statusQueryGetUri"])
            if status.status_code == 200:
                break
            assert status.status_code == 202
            time.sleep(0.02)
        assert status.json()["runtimeStatus"] == "Completed"
        assert status.json()["output"] == ["Hello Oslo!", "Hello Lima!"]


def test_repeated_kills_at_arbitrary_points_still_complete_everything_once(tmp_path: Path) -> None:
    state, runs_file = tmp_path / "state", tmp_path / "runs.txt"
    runs_file.touch()
    n, kills = 200, 3
    concurrency = 10 * (os.cpu_count() or 1)  # the default activity limit (maxConcurrentActivityFunctions)
    delays = random.Random(7)
    for attempt in range(kills):
        with (
            host_process(state, runs_file) as (proc, api),
            httpx.Client(base_url=api, headers=key_header(state)) as http,
        ):
            if attempt == 0:
                assert (
                    http.post(
                        "/orchestrators/fan_out/many", json={"n": n, "activity": "slow_double"}
                    ).status_code
                    == 202
                )
                # a JSON string holding JSON, as the Python client sends (a bare number would fail get_input)
                assert http.post("/orchestrators/parent/tree", json="2").status_code == 202
            time.sleep(delays.uniform(0.05, 0.4))
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
    with (
        host_process(state, runs_file) as (_proc, api),
        httpx.Client(base_url=api, headers=key_header(state)) as http,
    ):
        assert wait_for(http, "many", "Completed")["output"] == sum(2 * i for i in range(n))
        assert wait_for(http, "tree", "Completed")["output"] == {
            "first": ["Hello A!", "Hello B!"],
            "nested": [0, 2],
        }
    runs = Counter(line for line in runs_file.read_text().splitlines() if line.startswith("slow_double:"))
    assert set(runs) == {f"slow_double:{i}" for i in range(n)}
    # only work in flight at a kill may run again: at most the concurrency limit per kill
    assert sum(runs.values()) <= n + kills * concurrency
