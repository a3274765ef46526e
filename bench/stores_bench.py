"""Embedded stores benchmark: what one store call costs on the local default path.

Measures on this machine, per operation (p50/p95 microseconds): the embedded document store
(create, read, replace with ETag, patch, a one-partition query on a field with ordering, a count),
the embedded blob store (put and get of 64 KiB, a ranged 4 KiB read), the embedded queue store
(send, receive + delete), and ``localqueue`` throughput with four threads on one file. Each call
turn reads and writes a few documents, so these numbers bound the store share of turn latency.

    .venv/bin/python bench/stores_bench.py [--ops 500]

Writes ``bench/results/stores.json``. ``run()`` returns the same report for ``bench/__main__.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from localqueue import LocalQueue  # noqa: E402
from reddytalk.stores.blobs.embedded import EmbeddedBlobStore  # noqa: E402
from reddytalk.stores.documents.base import PatchOp, Query  # noqa: E402
from reddytalk.stores.documents.embedded import EmbeddedDocumentStore  # noqa: E402
from reddytalk.stores.queues.embedded import EmbeddedQueueStore  # noqa: E402


def summary(samples_s: list[float]) -> dict[str, float]:
    us = sorted(s * 1e6 for s in samples_s)
    return {
        "n": len(us),
        "p50_us": round(statistics.median(us), 1),
        "p95_us": round(us[int(len(us) * 0.95) - 1], 1),
        "p99_us": round(us[max(int(len(us) * 0.99) - 1, 0)], 1),
        "max_us": round(us[-1], 1),
        "mean_us": round(statistics.fmean(us), 1),
    }


async def timed(n: int, op: Callable[[int], Awaitable[Any]]) -> dict[str, float]:
    samples = []
    for i in range(n):
        started = time.perf_counter()
        await op(i)
        samples.append(time.perf_counter() - started)
    return summary(samples)


async def bench_documents(folder: Path, n: int) -> dict[str, Any]:
    docs = EmbeddedDocumentStore(folder / "documents.sqlite3")
    practices = [f"pr{i}" for i in range(5)]

    def appointment(i: int) -> dict[str, Any]:
        return {
            "id": f"a{i}",
            "practice_id": practices[i % 5],
            "start": f"2026-03-{i % 28 + 1:02d}T{i % 9 + 8:02d}:00:00Z",
            "status": "booked",
            "provider_id": f"dr{i % 4}",
            "reminders": 0,
        }

    out: dict[str, Any] = {}
    out["create"] = await timed(n, lambda i: docs.create("appointments", appointment(i)))
    out["read"] = await timed(n, lambda i: docs.read("appointments", f"a{i}", practices[i % 5]))

    async def replace(i: int) -> None:
        current = await docs.read("appointments", f"a{i}", practices[i % 5])
        await docs.replace("appointments", {**current, "status": "confirmed"}, etag=current["_etag"])

    out["read_then_replace_with_etag"] = await timed(n, replace)
    ops = [PatchOp("incr", "/reminders", 1)]
    out["patch"] = await timed(n, lambda i: docs.patch("appointments", f"a{i}", practices[i % 5], ops))
    query = Query(where={"provider_id": "dr1"}, partition_key="pr1", order_by="start", limit=20)
    out[f"query_one_partition_of_{n // 5}_docs"] = await timed(
        max(n // 5, 20), lambda i: docs.query("appointments", query)
    )
    out["count_all"] = await timed(max(n // 5, 20), lambda i: docs.count("appointments", Query()))
    await docs.close()
    return out


async def bench_blobs(folder: Path, n: int) -> dict[str, Any]:
    blobs = EmbeddedBlobStore(folder / "blobs")
    payload = os.urandom(64 * 1024)
    out: dict[str, Any] = {}
    out["put_64k"] = await timed(
        n, lambda i: blobs.put("utterances", f"s1/{i}.wav", payload, content_type="audio/wav")
    )
    out["get_64k"] = await timed(n, lambda i: blobs.get("utterances", f"s1/{i}.wav"))
    out["get_range_4k"] = await timed(
        n, lambda i: blobs.get("utterances", f"s1/{i}.wav", offset=8192, length=4096)
    )
    await blobs.close()
    return out


async def bench_queues(folder: Path, n: int) -> dict[str, Any]:
    queues = EmbeddedQueueStore(folder / "queues.sqlite3")
    out: dict[str, Any] = {}
    out["send"] = await timed(n, lambda i: queues.send("training-jobs", json.dumps({"job": i})))

    async def take(i: int) -> None:
        [msg] = await queues.receive("training-jobs")
        await queues.delete("training-jobs", msg.id, msg.pop_receipt)

    out["receive_and_delete"] = await timed(n, take)
    await queues.close()
    return out


def bench_localqueue_threads(folder: Path, n: int, threads: int = 4) -> dict[str, Any]:
    queue = LocalQueue(folder / "threads.sqlite3")
    for i in range(n):
        queue.send("jobs", str(i))
    done: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        while batch := queue.receive("jobs", max_messages=8, visibility_timeout=300):
            for msg in batch:
                queue.delete("jobs", msg.id, msg.pop_receipt)
            with lock:
                done.extend(int(m.body) for m in batch)

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - started
    queue.close()
    return {
        "threads": threads,
        "messages": n,
        "all_delivered_once": sorted(done) == list(range(n)),
        "messages_per_s": round(n / elapsed),
    }


async def run(ops: int = 500) -> dict[str, Any]:
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results = {
            "documents_embedded": await bench_documents(folder, ops),
            "blobs_embedded": await bench_blobs(folder, max(ops // 5, 20)),
            "queues_embedded": await bench_queues(folder, ops),
            "localqueue_4_threads": bench_localqueue_threads(folder, ops * 2),
        }
    return {
        "benchmark": "stores",
        "what": "embedded stores (SQLite documents and queues in WAL mode, folder blobs via temp file + rename)",
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_at_start": load_at_start,
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "results": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--ops", type=int, default=500, help="operations per measured call")
    args = parser.parse_args()
    report = asyncio.run(run(args.ops))
    out = ROOT / "bench" / "results" / "stores.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
