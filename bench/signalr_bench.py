"""Local host shell benchmark: SignalR stand-in delivery latency and HTTP trigger round trips.

The host (HTTP triggers + SignalR stand-in) runs as ``python -m devhost start`` in its own process, as a
developer runs it; the measuring clients run in this process. Measured:

* REST send → client receive: an SDK-style REST call (``/api/hubs/{hub}/users/{id}/:send``, JWT per call)
  until the pushed Invocation arrives at a WebSocket client that did the JSON-protocol handshake, and
  the same into ``pysignalr`` (the Python client the app's caller uses).
* Output binding → client receive: HTTP POST to a function whose ``signalR`` output binding sends it.
* HTTP trigger round trip for a sync function (thread pool) and an async one, over keep-alive.

    .venv/bin/python bench/signalr_bench.py [--n 500]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from pysignalr.client import SignalRClient  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from devhost.signalr.tokens import sign  # noqa: E402

APP = Path(__file__).resolve().parent / "signalr_app"
RESULTS = Path(__file__).resolve().parent / "results" / "signalr.json"
KEY = "bench-signalr-access-key-0123456789abcdef"
RS = "\x1e"
TARGET_P95_MS = 10.0


def summary(samples: list[float]) -> dict[str, Any]:
    ordered = sorted(samples)

    def pct(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 3)

    return {
        "n": len(samples),
        "p50": pct(0.5),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "mean": round(statistics.fmean(samples), 3),
    }


def rest_send(http: httpx.AsyncClient, endpoint: str, user: str, body: dict[str, Any]) -> Any:
    url = f"{endpoint}/api/hubs/bench/users/{user}/:send"
    now = int(time.time())
    token = sign({"aud": f"{url}?api-version=2022-06-01", "iat": now, "exp": now + 300}, KEY)
    return http.post(
        url, params={"api-version": "2022-06-01"}, json=body, headers={"Authorization": f"Bearer {token}"}
    )


async def bench_raw_websocket(endpoint: str, n: int) -> dict[str, Any]:
    now = int(time.time())
    token = sign({"aud": "http://127.0.0.1/client/?hub=bench", "exp": now + 3600, "nameid": "raw"}, KEY)
    ws_url = endpoint.replace("http://", "ws://") + "/client/?hub=bench"
    samples = []
    async with (
        connect(ws_url, additional_headers={"Authorization": f"Bearer {token}"}) as ws,
        httpx.AsyncClient() as http,
    ):
        await ws.send('{"protocol":"json","version":1}' + RS)
        assert await ws.recv() == "{}" + RS
        for i in range(n + 50):
            start = time.perf_counter()
            send = asyncio.ensure_future(rest_send(http, endpoint, "raw", {"target": "t", "arguments": [i]}))
            while True:
                frame = await ws.recv()
                if f'"arguments":[{i}]' in str(frame):
                    break
            elapsed = (time.perf_counter() - start) * 1000
            assert (await send).status_code == 202
            if i >= 50:
                samples.append(elapsed)
    return summary(samples)


async def bench_pysignalr(base_url: str, endpoint: str, n: int, via_binding: bool) -> dict[str, Any]:
    received: asyncio.Queue[tuple[float, Any]] = asyncio.Queue()
    opened = asyncio.Event()
    client = SignalRClient(f"{base_url}/api", headers={"x-user-id": "py"})

    async def on_message(args: list[Any]) -> None:
        await received.put((time.perf_counter(), args[0]))

    async def on_open() -> None:
        opened.set()

    client.on("t", on_message)
    client.on_open(on_open)
    task = asyncio.create_task(client.run())
    samples = []
    try:
        await asyncio.wait_for(opened.wait(), 10)
        async with httpx.AsyncClient() as http:
            for i in range(n + 50):
                start = time.perf_counter()
                if via_binding:
                    body = json.dumps([{"userId": "py", "target": "t", "arguments": [i]}])
                    response = await http.post(f"{base_url}/api/send", content=body)
                else:
                    response = await rest_send(http, endpoint, "py", {"target": "t", "arguments": [i]})
                assert response.status_code == 202
                while True:
                    at, value = await asyncio.wait_for(received.get(), 10)
                    if value == i:
                        break
                if i >= 50:
                    samples.append((at - start) * 1000)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        ws = getattr(client._transport, "_ws", None)  # pysignalr leaves it open when cancelled
        if ws is not None:
            await ws.close()
    return summary(samples)


async def bench_http(base_url: str, path: str, n: int) -> dict[str, Any]:
    samples = []
    async with httpx.AsyncClient(base_url=base_url) as http:
        for i in range(n + 50):
            start = time.perf_counter()
            response = await http.get(path)
            elapsed = (time.perf_counter() - start) * 1000
            assert response.status_code == 200 and response.text == "pong"
            if i >= 50:
                samples.append(elapsed)
    return summary(samples)


async def run(base_url: str, endpoint: str, n: int) -> dict[str, Any]:
    return {
        "signalr_rest_to_websocket_ms": await bench_raw_websocket(endpoint, n),
        "signalr_rest_to_pysignalr_ms": await bench_pysignalr(base_url, endpoint, n, via_binding=False),
        "signalr_output_binding_to_pysignalr_ms": await bench_pysignalr(
            base_url, endpoint, n, via_binding=True
        ),
        "http_trigger_sync_round_trip_ms": await bench_http(base_url, "/api/ping/sync", n),
        "http_trigger_async_round_trip_ms": await bench_http(base_url, "/api/ping/async", n),
    }


def start_host(state: str) -> tuple[subprocess.Popen[str], str, str]:
    """``python -m devhost start`` in its own process, as a developer runs it; returns its URLs."""
    env = dict(os.environ)
    env["AzureSignalRConnectionString"] = f"Endpoint=http://127.0.0.1;Port=1;AccessKey={KEY};Version=1.0;"
    command = [sys.executable, "-m", "devhost", "start", "--script-root", str(APP), "--port", "0"]
    command += ["--state", state, "--signalr-port", "0"]
    proc = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert proc.stdout is not None
    endpoint = base_url = ""
    for line in proc.stdout:
        if line.startswith("SignalR stand-in: "):
            endpoint = line.removeprefix("SignalR stand-in: ").strip()
        if line.startswith("Host started at "):
            base_url = line.removeprefix("Host started at ").strip()
            break
    if not base_url or not endpoint:
        proc.kill()
        raise RuntimeError("the host did not start")
    return proc, base_url, endpoint


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--n", type=int, default=500, help="measured sends/requests per series (after 50 warm-up)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as state:
        proc, base_url, endpoint = start_host(state)
        try:
            results = asyncio.run(run(base_url, endpoint, args.n))
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(30)
    report = {
        "benchmark": "devhost shell: SignalR stand-in and HTTP triggers",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_1m": round(os.getloadavg()[0], 2),
        },
        "setup": "python -m devhost start in its own process (uvicorn + SignalR stand-in); clients in the bench process; loopback",
        "target_signalr_p95_ms": TARGET_P95_MS,
        **results,
    }
    report["signalr_target_met"] = report["signalr_rest_to_pysignalr_ms"]["p95"] <= TARGET_P95_MS
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
