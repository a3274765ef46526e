"""``plan``: what a full load would move, where to, and roughly how long it would take."""

from __future__ import annotations

import time

from reddytalk.migration import checkpoint, source, state
from reddytalk.migration.report import Report
from reddytalk.migration.state import SCHEMA, Conn
from reddytalk.migration.tables import TABLES

# Measured by bench/migration_bench.py on a 2-core machine (rows/s: 7,800-15,500 embedded depending on
# machine load, 2,540 into the local Cosmos DB server), rounded down; see docs/migration.md.
ESTIMATED_ROWS_PER_S = {"embedded": 7500.0, "cosmos": 2500.0}


async def plan(conn: Conn, target_kind: str) -> Report:
    report = Report("plan")
    started = time.perf_counter()
    installed = await state.installed(conn)
    checkpoints = await checkpoint.all_checkpoints(conn) if installed else {}
    total = 0
    for table in TABLES:
        rows = await source.count(conn, table)
        total += rows
        report.table(table.name).update(
            rows=rows,
            container=table.container,
            partition_key=f"/{table.partition_field}",
            checkpoint=checkpoints.get(f"full:{table.name}"),
            loaded="yes" if checkpoints.get(f"full:{table.name}:done") == "1" else "no",
        )
    rate = ESTIMATED_ROWS_PER_S.get(target_kind, 1000.0)
    report.details.update(target=target_kind, rows=total, estimated_full_load_s=round(total / rate, 1))
    if installed:
        cur = await conn.execute(f"SELECT count(*) AS n FROM {SCHEMA}.changes")
        row = await cur.fetchone()
        report.details["pending_changes"] = int(row["n"]) if row else 0
        report.details["control"] = await state.control(conn)
        report.details["quarantine"] = await state.quarantine_summary(conn)
    else:
        report.details["change_capture"] = "not installed (installed by `full`)"
    report.elapsed_s = time.perf_counter() - started
    return report
