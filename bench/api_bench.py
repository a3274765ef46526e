"""Staff API benchmark: login, patient get and patient search on the local host.

The app runs unmodified under ``python -m devhost start`` in its own process (embedded store in a
temp folder, seeded with the demo practice plus ``--patients`` generated patients). Requests are
sent open-loop at fixed rates (``--rates``, default 50, 100 and 200/s); latency is measured from each request's
*scheduled* send time, so queueing delay counts (no coordinated omission).

Login includes one argon2id verify by design (m=19 MiB, t=2, p=1: tens of milliseconds, bounded
concurrency), so its capacity is the hashing capacity of the machine. The argon2 verify time is
measured on its own and reported, and login is driven at ``--login-rate``; ``login_excluding_hash``
subtracts the median verify time. Target: p95 ≤ 25 ms for patient get/search and for login minus
hashing.

``--store cosmos`` runs the same load against ``@vercel/cosmosdb-server`` (the Cosmos DB server the
tests use, started here as in ``tests/fixtures``); its node process's CPU per request is reported
next to the host's.

    .venv/bin/python bench/api_bench.py [--rates 50 100 200] [--seconds 5] [--patients 2000]
        [--store embedded|cosmos] [--out bench/results/api.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the Cosmos DB server launcher the tests use

from bench.rawhttp import RawHttpPool  # noqa: E402
from reddytalk.auth.passwords import Passwords  # noqa: E402
from reddytalk.auth.service import AuthService  # noqa: E402
from reddytalk.practice.loader import load_practice_file  # noqa: E402
from reddytalk.practice.models import Patient  # noqa: E402
from reddytalk.practice.repository import PracticeRepository, seed_practice  # noqa: E402
from reddytalk.settings import Settings  # noqa: E402
from reddytalk.stores import open_documents  # noqa: E402
from reddytalk.stores.documents.base import DocumentStore  # noqa: E402

PASSWORD = "benchmark passphrase 2026"
LAST_NAMES = [
    "Smith",
    "Garcia",
    "Nguyen",
    "Johnson",
    "Okafor",
    "Patel",
    "Kowalski",
    "Haddad",
    "Brown",
    "Silva",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(latencies_ms: list[float], errors: int, rate: float, seconds: float) -> dict[str, Any]:
    return {
        "offered_rate_per_s": rate,
        "seconds": seconds,
        "requests": len(latencies_ms) + errors,
        "errors": errors,
        "p50_ms": round(percentile(latencies_ms, 50), 2) if latencies_ms else None,
        "p95_ms": round(percentile(latencies_ms, 95), 2) if latencies_ms else None,
        "p99_ms": round(percentile(latencies_ms, 99), 2) if latencies_ms else None,
        "max_ms": round(max(latencies_ms), 2) if latencies_ms else None,
    }


async def seed(store: DocumentStore, patients: int) -> tuple[str, list[str]]:
    """The demo practice, ``patients`` generated patients and the benchmark admin; closes ``store``."""
    data = load_practice_file(ROOT / "examples" / "demo-practice.json")
    try:
        await seed_practice(store, data)
        practice_id = data.practice.id
        repo = PracticeRepository(store, practice_id)
        rng = random.Random(7)
        ids = [p.id for p in data.patients]
        batch = []
        for i in range(patients):
            patient = Patient(
                id=f"bench-{i:06d}",
                first_name=f"Bench{i}",
                last_name=f"{rng.choice(LAST_NAMES)}{i % 50}",
                dob=f"19{rng.randint(30, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                phone=f"+1555{i:07d}",
            )
            batch.append(store.upsert("patients", repo.patient_document(patient)))
            ids.append(patient.id)
            if len(batch) == 32:  # a few writes in flight: the Cosmos server answers over HTTP
                await asyncio.gather(*batch)
                batch = []
        await asyncio.gather(*batch)
        auth = AuthService(store, Settings.from_env({}), passwords=Passwords())
        await auth.add_admin(practice_id, "bench@maplegrove.test", PASSWORD, "Bench Admin")
        return practice_id, ids
    finally:
        await store.close()


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux ``/proc``): load-independent cost per request."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def start_host(state: Path, documents: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    env = (
        os.environ
        | documents
        | {
            "BLOBS_CONNECTION": f"UseEmbeddedStorage=true;Path={state / 'blobs'}",
            "QUEUES_CONNECTION": f"UseEmbeddedStorage=true;Path={state / 'queues.sqlite3'}",
            "AzureWebJobsStorage": f"UseEmbeddedStorage=true;Path={state / 'queues.sqlite3'}",
            "LOG_LEVEL": "WARNING",
        }
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devhost",
            "start",
            "--script-root",
            str(ROOT),
            "--port",
            "0",
            "--state",
            str(state / "host"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    deadline = time.time() + 120
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            raise RuntimeError("the host exited before it started")
        match = re.search(r"Host started at (http://\S+)", line)
        if match:
            return proc, match.group(1)
    proc.kill()
    raise RuntimeError("the host did not start in time")


def cpu_per_request(pids: dict[str, int], before: dict[str, float], requests: int) -> dict[str, float]:
    """``<name>_cpu_ms_per_request`` for each watched process since ``before``."""
    return {
        f"{name}_cpu_ms_per_request": round(
            (process_cpu_seconds(pid) - before[name]) * 1000 / max(requests, 1), 2
        )
        for name, pid in pids.items()
    }


async def open_loop(
    client: RawHttpPool, rate: float, seconds: float, pids: dict[str, int], make: Any
) -> tuple[list[float], int, dict[str, Any]]:
    """Send ``rate * seconds`` requests on schedule; also report CPU per request of host and generator."""
    cpu_before, own_cpu = {n: process_cpu_seconds(p) for n, p in pids.items()}, time.process_time()
    latencies: list[float] = []
    errors = 0
    total = int(rate * seconds)
    start = time.perf_counter() + 0.05

    async def one(i: int) -> None:
        nonlocal errors
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        method, url, kwargs = make(i)
        try:
            status, _ = await client.request(
                method,
                url,
                headers=kwargs.get("headers"),
                params=kwargs.get("params"),
                json_body=kwargs.get("json"),
            )
            ok = status < 400
        except (OSError, asyncio.IncompleteReadError, ValueError):
            ok = False
        if ok:
            latencies.append((time.perf_counter() - scheduled) * 1000)
        else:
            errors += 1

    await asyncio.gather(*(one(i) for i in range(total)))
    cpu = cpu_per_request(pids, cpu_before, total) | {
        "load_generator_cpu_ms_per_request": round((time.process_time() - own_cpu) * 1000 / max(total, 1), 2),
    }
    return latencies, errors, cpu


async def hash_cost(samples: int = 30) -> dict[str, Any]:
    passwords = Passwords()
    stored = await passwords.hash(PASSWORD)
    times = []
    for _ in range(samples):
        t = time.perf_counter()
        await passwords.verify(stored, PASSWORD)
        times.append((time.perf_counter() - t) * 1000)
    return {
        "algorithm": "argon2id m=19456 KiB, t=2, p=1",
        "samples": samples,
        "p50_ms": round(percentile(times, 50), 2),
        "p95_ms": round(percentile(times, 95), 2),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    load_before = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory(prefix="api-bench-") as tmp, ExitStack() as servers:
        state = Path(tmp)
        pids: dict[str, int] = {}
        if args.store == "cosmos":
            from fixtures.cosmos_server import run_cosmos_server

            cosmos = servers.enter_context(run_cosmos_server(state / "cosmos"))
            documents = {"DOCUMENTS_CONNECTION": cosmos.connection_string, "DOCUMENTS_DATABASE": "bench"}
            pids["cosmos_server"] = cosmos.pid
        else:
            path = state / "documents.sqlite3"
            documents = {"DOCUMENTS_CONNECTION": f"UseEmbeddedStorage=true;Path={path}"}
        store = open_documents(Settings.from_env(documents))
        seed_started = time.perf_counter()
        _, patient_ids = await seed(store, args.patients)  # closes the store
        seed_seconds = time.perf_counter() - seed_started
        proc, base_url = start_host(state, documents)
        pids = {"host": proc.pid} | pids
        try:
            limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
            async with httpx.AsyncClient(base_url=base_url, timeout=30.0, limits=limits) as client:
                login_body = {"email": "bench@maplegrove.test", "password": PASSWORD}
                r = await client.post("/api/auth/login", json=login_body)
                r.raise_for_status()
                headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
                # Warm-up: first requests pay imports and store opening.
                for pid in patient_ids[:20]:
                    await client.get(f"/api/patients/{pid}", headers=headers)
                pool = RawHttpPool(base_url)
                rng = random.Random(11)
                results: dict[str, Any] = {"patient_get": {}, "patient_search": {}}
                for rate in args.rates:
                    get_lat, get_err, get_cpu = await open_loop(
                        pool,
                        rate,
                        args.seconds,
                        pids,
                        lambda i: ("GET", f"/api/patients/{rng.choice(patient_ids)}", {"headers": headers}),
                    )
                    results["patient_get"][f"{rate:g}/s"] = (
                        summary(get_lat, get_err, rate, args.seconds) | get_cpu
                    )
                    search_lat, search_err, search_cpu = await open_loop(
                        pool,
                        rate,
                        args.seconds,
                        pids,
                        lambda i: (
                            "GET",
                            "/api/patients",
                            {
                                "headers": headers,
                                "params": {"name": rng.choice(LAST_NAMES)[:3], "page_size": 25},
                            },
                        ),
                    )
                    results["patient_search"][f"{rate:g}/s"] = (
                        summary(search_lat, search_err, rate, args.seconds) | search_cpu
                    )
                sequential: dict[str, Any] = {}
                for name, make in (
                    ("health", lambda i: ("GET", "/api/health", {})),
                    (
                        "patient_get",
                        lambda i: (
                            "GET",
                            f"/api/patients/{patient_ids[i % len(patient_ids)]}",
                            {"headers": headers},
                        ),
                    ),
                    (
                        "patient_search",
                        lambda i: ("GET", "/api/patients", {"headers": headers, "params": {"name": "Smi"}}),
                    ),
                ):
                    times = []
                    cpu_before = {n: process_cpu_seconds(p) for n, p in pids.items()}
                    failed = 0
                    for i in range(200):
                        method, url, kwargs = make(i)
                        t = time.perf_counter()
                        try:  # a connection the host closed after an overload counts as an error
                            status, _ = await pool.request(
                                method, url, headers=kwargs.get("headers"), params=kwargs.get("params")
                            )
                        except (OSError, asyncio.IncompleteReadError, ValueError):
                            status = 599
                        if status < 400:
                            times.append((time.perf_counter() - t) * 1000)
                        else:
                            failed += 1
                    cpu = cpu_per_request(pids, cpu_before, 200)
                    cpu_ms = sum(cpu.values())
                    sequential[name] = (
                        summary(times, failed, 0.0, 0.0)
                        | {"requests": 200}
                        | cpu
                        | {"host_capacity_per_s_one_core": round(1000 / cpu_ms) if cpu_ms > 0 else None}
                    )
                results["sequential_one_at_a_time"] = sequential
                login_lat, login_err, login_cpu = await open_loop(
                    pool,
                    args.login_rate,
                    args.seconds,
                    pids,
                    lambda i: (
                        "POST",
                        "/api/auth/login",
                        {"json": login_body, "headers": {"X-Forwarded-For": f"10.8.{i // 250}.{i % 250}"}},
                    ),
                )
                await pool.close()
                results["login"] = summary(login_lat, login_err, args.login_rate, args.seconds) | login_cpu
        finally:
            proc.terminate()
            proc.wait(30)
    hashing = await hash_cost()
    login = results["login"]
    results["password_hash_verify"] = hashing
    results["login_excluding_hash"] = {
        "p50_ms": round(max(login["p50_ms"] - hashing["p50_ms"], 0.0), 2)
        if login["p50_ms"] is not None
        else None,
        "p95_ms": round(max(login["p95_ms"] - hashing["p50_ms"], 0.0), 2)
        if login["p95_ms"] is not None
        else None,
        "method": "login latency minus the median argon2id verify time measured alone",
    }
    target = 25.0
    results["target_p95_ms"] = target
    top = f"{max(args.rates):g}/s"
    results["meets_target"] = {
        f"patient_get@{top}": (results["patient_get"][top]["p95_ms"] or 1e9) <= target,
        f"patient_search@{top}": (results["patient_search"][top]["p95_ms"] or 1e9) <= target,
        "login_excluding_hash": (results["login_excluding_hash"]["p95_ms"] or 1e9) <= target,
    }
    results["machine"] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_1m_before": load_before,
        "load_average_1m_after": round(os.getloadavg()[0], 2),
        "note": "shared machine: other processes and the httpx load generator use the same 2 cores",
    }
    results["patients_in_store"] = len(patient_ids)
    results["seed_seconds"] = round(seed_seconds, 1)
    results["store"] = (
        "Cosmos DB server (@vercel/cosmosdb-server)" if args.store == "cosmos" else "embedded (SQLite)"
    )
    results["uptime"] = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    results["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    if args.note:
        results["note"] = args.note
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rates",
        type=float,
        nargs="+",
        default=[50.0, 100.0, 200.0],
        help="offered rates for get and search",
    )
    parser.add_argument("--login-rate", type=float, default=5.0, help="logins per second (argon2-bound)")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--store", choices=["embedded", "cosmos"], default="embedded")
    parser.add_argument("--note", help="a remark saved with the results (what this run compares)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "api.json")
    args = parser.parse_args()
    results = asyncio.run(run(args))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
