"""Migration benchmark: full-load rows/s into the embedded store and the Cosmos DB server, against a
naive one-row-at-a-time baseline measured in the same run, and sync lag under a steady write rate.

    .venv/bin/python bench/migration_bench.py --validate embedded  # 100k patients, 1M transcript lines
    .venv/bin/python bench/migration_bench.py --patients 2000 --lines 20000 --cosmos-scale 1   # quick

Writes bench/results/migration.json. Needs PostgreSQL on 127.0.0.1:5432 and node_modules.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fixtures.cosmos_server import CosmosServer, run_cosmos_server  # noqa: E402
from fixtures.processes import PROJECT_ROOT, ServerProcess, free_port, node_executable  # noqa: E402

from reddytalk.errors import ReddyTalkError  # noqa: E402
from reddytalk.migration import source, state  # noqa: E402
from reddytalk.migration.fake_legacy import FakeOptions, generate  # noqa: E402
from reddytalk.migration.load import LoadOptions, full_load  # noqa: E402
from reddytalk.migration.sync import Syncer  # noqa: E402
from reddytalk.migration.tables import CALL_TRANSCRIPTS, PATIENTS  # noqa: E402
from reddytalk.migration.transform import Converter  # noqa: E402
from reddytalk.migration.validate import ValidateOptions, validate  # noqa: E402
from reddytalk.migration.writer import Writer  # noqa: E402
from reddytalk.settings import Settings  # noqa: E402
from reddytalk.stores import open_documents  # noqa: E402
from reddytalk.stores.documents.base import DocumentStore  # noqa: E402

ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


@contextlib.contextmanager
def legacy_database() -> Iterator[str]:
    name = f"reddytalk_migration_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield ADMIN.replace("dbname=postgres", f"dbname={name}")
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextlib.contextmanager
def cosmos_server(workdir: Path, keep_alive: bool) -> Iterator[CosmosServer]:
    """The Cosmos DB server; with ``keep_alive`` it keeps HTTPS connections open as Azure Cosmos DB does
    (its CLI answers every request with ``Connection: close``, so each request pays a TLS handshake)."""
    if not keep_alive:
        with run_cosmos_server(workdir) as server:
            yield server
        return
    port = free_port()
    script = f"require('@vercel/cosmosdb-server').createHttpsServer({{keepAlive: true}}).listen({port}, '127.0.0.1')"
    server = ServerProcess(
        "cosmosdb-server", [node_executable(), "-e", script], workdir / "cosmos.log", [port], PROJECT_ROOT
    )
    try:
        server.wait_ready()
        yield CosmosServer(port)
    finally:
        server.stop()


async def naive(conn: state.Conn, store: DocumentStore, conv: Converter, sample: int) -> dict[str, Any]:
    """The baseline: fetch one row, transform it, write one document, wait, next; lines one per doc."""
    cur = await conn.execute("SELECT id FROM patients ORDER BY id LIMIT %s", (sample,))
    patient_ids = [str(r["id"]) for r in await cur.fetchall()]
    cur = await conn.execute(
        "SELECT id FROM call_transcripts WHERE session_id IS NOT NULL AND text IS NOT NULL "
        "AND octet_length(text) < 10000 ORDER BY id LIMIT %s",
        (sample,),
    )
    line_ids = [str(r["id"]) for r in await cur.fetchall()]
    started = time.perf_counter()
    for pid in patient_ids:
        rows = await source.rows_by_keys(conn, PATIENTS, [pid])
        await store.upsert("patients", conv.document(PATIENTS, rows[0]))
    for lid in line_ids:
        cur = await conn.execute("SELECT * FROM call_transcripts WHERE id = %s", (int(lid),))
        row = await cur.fetchone()
        assert row is not None
        line = conv.line(row, CALL_TRANSCRIPTS)
        sid = str(row["session_id"])
        await store.upsert("transcripts", {"id": f"line-{lid}", "session_id": sid, **line})
    elapsed = time.perf_counter() - started
    rows = len(patient_ids) + len(line_ids)
    return {"rows": rows, "seconds": round(elapsed, 3), "rows_per_s": round(rows / elapsed, 1)}


async def writers(dsn: str, rate: float, seconds: float) -> int:
    """A legacy app writing at ``rate`` writes/s (patients updated, transcript lines appended)."""
    conn = await state.connect(dsn)
    cur = await conn.execute("SELECT id::text AS id FROM call_sessions ORDER BY id LIMIT 200")
    sessions = [r["id"] for r in await cur.fetchall()]
    n = 0
    start = time.perf_counter()
    try:
        while (now := time.perf_counter() - start) < seconds:
            if n % 2:
                await conn.execute(
                    "UPDATE patients SET notes = %s WHERE id = %s", (f"note {n}", 1 + n % 1000)
                )
            else:
                await conn.execute(
                    'INSERT INTO call_transcripts (session_id, speaker, text, "timestamp") '
                    "VALUES (%s, 'caller', 'appended during the parallel run', now()::timestamp)",
                    (sessions[n % len(sessions)],),
                )
            n += 1
            ahead = n / rate - now
            if ahead > 0:
                await asyncio.sleep(ahead)
    finally:
        await conn.close()
    return n


async def run_target(
    kind: str, env: dict[str, str], opts: FakeOptions, args: argparse.Namespace
) -> dict[str, Any]:
    settings = Settings.from_env(env)
    naive_env = dict(env)
    if kind == "embedded":
        naive_env["DOCUMENTS_CONNECTION"] = env["DOCUMENTS_CONNECTION"].replace(
            "docs.sqlite3", "naive.sqlite3"
        )
    else:
        naive_env["DOCUMENTS_DATABASE"] = env["DOCUMENTS_DATABASE"] + "naive"
    conv = Converter()
    out: dict[str, Any] = {
        "target": kind,
        "patients": opts.patients,
        "transcript_lines_requested": opts.transcript_lines,
    }
    with legacy_database() as dsn:
        conn = await state.connect(dsn)
        reader = await state.connect(dsn)
        t = time.perf_counter()
        counts = await generate(conn, opts)
        out["generate_s"] = round(time.perf_counter() - t, 1)
        out["source_rows"] = vars(counts)
        store = open_documents(settings)
        writer = Writer(store, concurrency=args.concurrency)
        report = await full_load(conn, reader, writer, conv, LoadOptions(progress=False))
        out["full_load"] = {
            "rows": report.details["rows"],
            "seconds": round(report.elapsed_s, 2),
            "rows_per_s": report.details["rows_per_s"],
            "documents": sum(int(t.get("documents", 0)) for t in report.tables.values()),
            "per_table_rows_per_s": {k: v.get("rows_per_s") for k, v in report.tables.items()},
        }
        naive_store = open_documents(Settings.from_env(naive_env))
        out["naive_baseline"] = await naive(reader, naive_store, conv, args.naive_sample)
        await naive_store.close()
        out["speedup_vs_naive"] = round(
            out["full_load"]["rows_per_s"] / out["naive_baseline"]["rows_per_s"], 1
        )
        if kind in args.validate.split(","):
            t = time.perf_counter()
            try:
                checked = await validate(conn, store, conv, ValidateOptions(sample=200))
                out["validate"] = {"ok": checked.ok, "seconds": round(time.perf_counter() - t, 1)}
            except ReddyTalkError as exc:  # recorded, not fatal: the load numbers still count
                out["validate"] = {
                    "error": f"{exc.code}: {exc.message}",
                    "seconds": round(time.perf_counter() - t, 1),
                }
        syncer = Syncer(conn, writer, conv)
        await syncer.drain()
        syncer.stats.lags_ms.clear()
        stop = asyncio.Event()
        follower = asyncio.create_task(syncer.follow(stop, poll_s=0.05))
        written = await writers(dsn, args.sync_rate, args.sync_seconds)
        t = time.perf_counter()
        while (await syncer.pending())[0]:
            await asyncio.sleep(0.02)
        catch_up = time.perf_counter() - t
        stop.set()
        await follower
        out["sync"] = {
            "write_rate_per_s": args.sync_rate,
            "writes": written,
            "catch_up_after_writers_stop_s": round(catch_up, 3),
            **syncer.stats.summary(),
        }
        await store.close()
        await conn.close()
        await reader.close()
    return out


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {
        "benchmark": "migration",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_at_start": os.getloadavg(),  # other work on the machine skews the numbers
        },
        "targets": [],
    }
    base = FakeOptions(
        patients=args.patients, transcript_lines=args.lines, long_transcripts=1, huge_line=True
    )
    if "embedded" in args.targets:
        with tempfile.TemporaryDirectory() as tmp:
            env = {"DOCUMENTS_CONNECTION": f"UseEmbeddedStorage=true;Path={tmp}/docs.sqlite3"}
            results["targets"].append(await run_target("embedded", env, base, args))
        save(args, results)
    if "cosmos" in args.targets:
        scaled = FakeOptions(
            patients=max(100, int(args.patients * args.cosmos_scale)),
            transcript_lines=max(1000, int(args.lines * args.cosmos_scale)),
            long_transcripts=1,
        )
        keep_alive = not args.cosmos_no_keepalive
        with tempfile.TemporaryDirectory() as tmp, cosmos_server(Path(tmp), keep_alive) as server:
            env = {"DOCUMENTS_CONNECTION": server.connection_string, "DOCUMENTS_DATABASE": "bench"}
            results["targets"].append(
                await run_target("cosmos", env, scaled, args) | {"keep_alive": keep_alive}
            )
    results["machine"]["load_average_at_end"] = os.getloadavg()
    for t in results["targets"]:
        t["meets_target"] = (
            t["full_load"]["rows_per_s"] >= 5000 if t["target"] == "embedded" else t["speedup_vs_naive"] >= 10
        )
    return results


def save(args: argparse.Namespace, results: dict[str, Any]) -> None:
    """Write what has been measured so far (a later target failing does not lose earlier numbers)."""
    results["parameters"] = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--targets", default="embedded,cosmos")
    parser.add_argument(
        "--cosmos-scale", type=float, default=1.0, help="volume factor for the Cosmos server run"
    )
    parser.add_argument(
        "--cosmos-no-keepalive", action="store_true", help="run the stock server CLI (Connection: close)"
    )
    parser.add_argument(
        "--naive-sample", type=int, default=2000, help="rows per table for the naive baseline"
    )
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--sync-rate", type=float, default=200.0)
    parser.add_argument("--sync-seconds", type=float, default=15.0)
    parser.add_argument(
        "--validate", default="", help="targets to also validate in full, e.g. embedded,cosmos"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "migration.json")
    args = parser.parse_args()
    results = asyncio.run(main_async(args))
    save(args, results)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
