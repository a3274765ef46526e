"""Durable engine benchmark: the local host's engine (SQLite, every step persisted) beside the peer.

Measures, on the unmodified SDK and the engine behind a real uvicorn server:
activity round trip p50/p95 (gap between consecutive activities of a sequential chain: completion commit,
episode, schedule commit, dispatch), fan-out/fan-in wall time of 100 and 1,000 activities, the cost of one
orchestration step at history lengths of about 10, 100 and 1,000 events (and their ratio), and external
event → orchestrator wake-up latency (HTTP raiseEvent until the episode that consumed it has committed).
Also runs ``../shared/peers/durabletask/run.sh`` (Microsoft's in-memory durabletask backend, no persistence)
and records its lines beside ours.

    .venv/bin/python bench/devhost_bench.py [--no-peer]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import re
import socket
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
import uvicorn  # noqa: E402
from starlette.applications import Starlette  # noqa: E402

from devhost.durable import replay  # noqa: E402
from devhost.durable.api import management_routes  # noqa: E402
from devhost.durable.engine import DurableEngine  # noqa: E402
from devhost.functions import load_app  # noqa: E402

APP_DIR = Path(__file__).resolve().parent / "devhost_app"
RESULTS = Path(__file__).resolve().parent / "results" / "devhost.json"
PEER = ROOT.parent / "shared" / "peers" / "durabletask" / "run.sh"
TARGETS = {"activity_round_trip_p50_ms": 2.0, "fan_out_1000_s": 1.8, "event_wake_up_p50_ms": 4.0}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _until_done(engine: DurableEngine, instance_id: str, timeout: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        row = engine.get_row(instance_id)
        if row is not None and row.status in ("Completed", "Failed", "Terminated"):
            if row.status != "Completed":
                raise RuntimeError(f"{instance_id} ended {row.status}: {row.output}")
            return json.loads(row.output) if row.output else None
        if time.monotonic() > deadline:
            raise TimeoutError(instance_id)
        await engine.wait_changed(1.0)


async def _measure(state_dir: Path) -> dict[str, Any]:
    index = load_app(APP_DIR)
    stamps: list[float] = index.functions["stamp"].callable.__globals__["STAMPS"]
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.setblocking(False)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    engine = DurableEngine(index, state_dir, {}, base)
    await engine.start()
    config = uvicorn.Config(Starlette(routes=management_routes(engine)), log_level="warning", lifespan="off")
    config.load()
    server = uvicorn.Server(config)
    server.lifespan = config.lifespan_class(config)
    await server.startup(sockets=[sock])
    serving = asyncio.create_task(server.main_loop())
    out: dict[str, Any] = {}
    try:
        async with httpx.AsyncClient(base_url=f"{base}/runtime/webhooks/durabletask") as http:
            # warm-up
            await _until_done(engine, engine.start_new("chain", None, "3", True))
            await _until_done(engine, engine.start_new("fan", None, "10", True))

            # activity round trip: gaps between consecutive activity starts in short chains (like the peer's
            # "chain 10"); the SDK replays the whole history each episode, so the gap grows with history
            gaps: list[float] = []
            started = time.perf_counter()
            for _ in range(30):
                stamps.clear()
                await _until_done(engine, engine.start_new("chain", None, "10", True))
                gaps += [(b - a) * 1000 for a, b in itertools.pairwise(stamps)]
            out["activity_round_trip_ms"] = {
                "p50": round(statistics.median(gaps), 3),
                "p95": round(percentile(gaps, 0.95), 3),
                "note": "30 sequential chains of 10 activities (history <= 42 events)",
            }
            out["chain_10_ms_per_activity"] = round((time.perf_counter() - started) * 1000 / 300, 3)
            for steps in (100,):
                started = time.perf_counter()
                await _until_done(engine, engine.start_new("chain", None, str(steps), True))
                out[f"chain_{steps}_ms_per_activity"] = round(
                    (time.perf_counter() - started) * 1000 / steps, 3
                )

            # one orchestration step (activity completion -> next activity) at a given history length,
            # beside the SDK's handle() alone on the same history (the replay floor the host cannot remove)
            stamps.clear()
            steps = 260
            long_chain = engine.start_new("chain", None, str(steps), True)
            await _until_done(engine, long_chain)
            long_gaps = [(b - a) * 1000 for a, b in itertools.pairwise(stamps)]
            history = engine.store.load_history(long_chain)
            handle = index.functions["chain"].callable
            by_len: dict[str, float] = {}
            replay_floor: dict[str, float] = {}
            for length in (10, 100, 1000):
                k = max(1, (length - 2) // 4)  # history after k steps: OS, ES + 4 per step
                by_len[str(length)] = round(statistics.median(long_gaps[max(0, k - 3) : k + 3]), 3)
                row = engine.get_row(long_chain)
                assert row is not None
                context = replay.context_json(long_chain, None, row.input, history[:length], [])
                replay.invoke(handle, context)  # warm
                runs = 10
                t0 = time.perf_counter()
                for _ in range(runs):
                    replay.invoke(handle, context)
                replay_floor[str(length)] = round((time.perf_counter() - t0) * 1000 / runs, 3)
            out["step_ms_at_history_length"] = by_len
            out["step_ratio_1000_vs_10"] = round(by_len["1000"] / by_len["10"], 1)
            out["sdk_handle_only_ms_at_history_length"] = replay_floor

            # fan-out / fan-in
            for n in (100, 1000):
                started = time.perf_counter()
                result = await _until_done(engine, engine.start_new("fan", None, str(n), True))
                elapsed = time.perf_counter() - started
                assert result == sum(i * i for i in range(n))
                out[f"fan_out_{n}_s"] = round(elapsed, 3)

            # external event → wake-up (HTTP raiseEvent until the consuming episode committed)
            latencies = []
            for k in range(30):
                instance_id = engine.start_new("waiter", None, None, False)
                while (row := engine.get_row(instance_id)) is None or row.status != "Running":
                    await engine.wait_changed(0.5)
                await asyncio.sleep(0.02)
                started = time.perf_counter()
                response = await http.post(f"/instances/{instance_id}/raiseEvent/go", json=k)
                response.raise_for_status()
                await _until_done(engine, instance_id)
                latencies.append((time.perf_counter() - started) * 1000)
            out["event_wake_up_ms"] = {
                "p50": round(statistics.median(latencies), 3),
                "p95": round(percentile(latencies, 0.95), 3),
            }
    finally:
        server.should_exit = True
        await serving
        await server.shutdown(sockets=[sock])
        sock.close()
        await engine.stop()
    return out


def run_peer() -> dict[str, Any]:
    """Run the durabletask peer once; returns its result lines and parsed numbers."""
    if not PEER.exists():
        return {"error": f"{PEER} not found"}
    started = time.perf_counter()
    proc = subprocess.run(["bash", str(PEER)], capture_output=True, text=True, timeout=900, check=False)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    parsed: dict[str, float] = {}
    for line in lines:
        if m := re.match(r"chain (\d+): .*?([\d.]+) ms per sequential activity", line):
            parsed[f"chain_{m[1]}_ms_per_activity"] = float(m[2])
        elif m := re.match(r"fan-out (\d+): (\d+) ms", line):
            parsed[f"fan_out_{m[1]}_s"] = float(m[2]) / 1000
        elif m := re.match(r"raise event -> completion: p50 ([\d.]+) ms", line):
            parsed["event_to_completion_p50_ms"] = float(m[1])
    return {
        "lines": lines,
        "parsed": parsed,
        "seconds": round(time.perf_counter() - started, 1),
        "rc": proc.returncode,
    }


def run(peer: bool = True, results: Path = RESULTS) -> dict[str, Any]:
    """Run the benchmark (and the peer), write ``bench/results/devhost.json``, return the results."""
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="devhost-bench-") as tmp:
        ours = asyncio.run(_measure(Path(tmp)))
    report: dict[str, Any] = {
        "benchmark": "devhost durable engine",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_1m_at_start": round(load_before, 2),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "persistence": "SQLite WAL, synchronous=NORMAL, every step committed before it is acknowledged",
        "devhost": ours,
        "targets": TARGETS,
        "meets_targets": {
            "activity_round_trip_p50_ms": ours["activity_round_trip_ms"]["p50"]
            <= TARGETS["activity_round_trip_p50_ms"],
            "fan_out_1000_s": ours["fan_out_1000_s"] <= TARGETS["fan_out_1000_s"],
            "event_wake_up_p50_ms": ours["event_wake_up_ms"]["p50"] <= TARGETS["event_wake_up_p50_ms"],
        },
    }
    if peer:
        report["peer_durabletask"] = run_peer()
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(report, indent=2) + "\n")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--no-peer", action="store_true", help="skip the durabletask peer run")
    args = parser.parse_args()
    print(json.dumps(run(peer=not args.no_peer), indent=2))


if __name__ == "__main__":
    main()
