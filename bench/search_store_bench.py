"""The patient search query alone, on the document store (no HTTP, no auth, no audit).

Complements ``api_bench.py``: it shows what one search costs the store itself, where the indexes
act. The search is the staff search's query (``PatientRecords.search``): one practice's patients
by last-name prefix, date of birth or phone, sorted by last name, 25 per page. Queries run one at
a time; CPU is this process's (the store client) and, for Cosmos, the Cosmos DB server's.

    .venv/bin/python bench/search_store_bench.py [--stores embedded cosmos] [--patients 2000 20000]
        [--queries 200] [--label after] [--out bench/results/patient_search/store_<label>.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the Cosmos DB server launcher the tests use

from bench.api_bench import percentile, process_cpu_seconds, seed  # noqa: E402
from reddytalk.settings import Settings  # noqa: E402
from reddytalk.stores import open_documents  # noqa: E402
from reddytalk.stores.documents.base import Prefix, Query  # noqa: E402

PRACTICE = "maple-grove"  # the demo practice the seed uses
SEARCHES: dict[str, dict[str, Any]] = {
    "name_prefix": {"last_name_lc": Prefix("smi")},
    "dob": {"dob": "1949-07-10"},
    "phone": {"phone": "+15550001234"},
}


async def measure(documents: dict[str, str], server_pid: int | None, queries: int) -> dict[str, Any]:
    store = open_documents(Settings.from_env(documents))
    try:
        out: dict[str, Any] = {}
        for name, where in SEARCHES.items():
            query = Query(
                where={"practice_id": PRACTICE, "kind": "patient", **where}, order_by="last_name_lc", limit=25
            )
            found = len((await store.query("patients", query)).items)  # warm-up
            times = []
            cpu, server = time.process_time(), process_cpu_seconds(server_pid) if server_pid else 0.0
            for _ in range(queries):
                t = time.perf_counter()
                await store.query("patients", query)
                times.append((time.perf_counter() - t) * 1000)
            out[name] = {
                "results": found,
                "p50_ms": round(percentile(times, 50), 3),
                "p95_ms": round(percentile(times, 95), 3),
                "client_cpu_ms_per_query": round((time.process_time() - cpu) * 1000 / queries, 3),
            }
            if server_pid:
                server_cpu = (process_cpu_seconds(server_pid) - server) * 1000 / queries
                out[name]["cosmos_server_cpu_ms_per_query"] = round(server_cpu, 3)
        return out
    finally:
        await store.close()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {"label": args.label, "queries_each": args.queries, "runs": {}}
    results["uptime_start"] = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    for store in args.stores:
        for patients in args.patients:
            with tempfile.TemporaryDirectory(prefix="search-bench-") as tmp, ExitStack() as servers:
                pid = None
                if store == "cosmos":
                    from fixtures.cosmos_server import run_cosmos_server

                    cosmos = servers.enter_context(run_cosmos_server(Path(tmp) / "cosmos"))
                    documents = {"DOCUMENTS_CONNECTION": cosmos.connection_string, "DOCUMENTS_DATABASE": "b"}
                    pid = cosmos.pid
                else:
                    documents = {"DOCUMENTS_CONNECTION": f"UseEmbeddedStorage=true;Path={tmp}/d.sqlite3"}
                _, ids = await seed(open_documents(Settings.from_env(documents)), patients)
                load = round(os.getloadavg()[0], 2)
                measured = await measure(documents, pid, args.queries)
                results["runs"][f"{store}_{len(ids)}"] = {
                    "store": store,
                    "patients_in_store": len(ids),
                    "load_average_1m": [load, round(os.getloadavg()[0], 2)],
                    **measured,
                }
    results["uptime_end"] = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    results["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", nargs="+", choices=["embedded", "cosmos"], default=["embedded", "cosmos"])
    parser.add_argument("--patients", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--label", default="after", help="which code this measures (before/after)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    results = asyncio.run(run(args))
    out = args.out or ROOT / "bench" / "results" / "patient_search" / f"store_{args.label}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
