"""Migration state in the legacy database: schema, capture triggers, quarantine and the freeze flag.

Kept in PostgreSQL (schema ``reddytalk_migration``) so the change log commits in the same
transaction as the legacy app's write, and a crashed run finds its checkpoints where it left them.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from typing import Any

import psycopg
from psycopg.rows import dict_row

from reddytalk.migration.tables import TABLES
from reddytalk.migration.transform import Quarantined

SCHEMA = "reddytalk_migration"
TRIGGER = "reddytalk_migration_capture"
LOCK_ID = 0x5EDD7A1C  # advisory lock held by whichever migration command writes to the target

Conn = psycopg.AsyncConnection[dict[str, Any]]


async def connect(dsn: str) -> Conn:
    # No server-side prepared statements: a generic plan for ``= ANY(%s)`` over thousands of keys can
    # pick a sequential scan; custom plans use the indexes.
    return await psycopg.AsyncConnection.connect(
        dsn, autocommit=True, row_factory=dict_row, prepare_threshold=None
    )


def _sql(name: str) -> str:
    return resources.files("reddytalk.migration").joinpath(name).read_text()


async def create_legacy_schema(conn: Conn) -> None:
    await conn.execute(_sql("legacy_schema.sql"))


async def install(conn: Conn) -> None:
    """Create the state schema and the capture trigger on every legacy table (idempotent)."""
    await conn.execute(_sql("state_schema.sql"))
    for table in TABLES:
        key = "session_id" if table.grouped else "id"
        await conn.execute(
            f"CREATE OR REPLACE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON {table.name} "
            f"FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.capture('{key}', '{table.partition_column}')"
        )


async def installed(conn: Conn) -> bool:
    cur = await conn.execute("SELECT to_regclass('reddytalk_migration.changes') IS NOT NULL AS ok")
    row = await cur.fetchone()
    return bool(row and row["ok"])


async def try_lock(conn: Conn) -> bool:
    cur = await conn.execute("SELECT pg_try_advisory_lock(%s) AS ok", (LOCK_ID,))
    row = await cur.fetchone()
    return bool(row and row["ok"])


async def unlock(conn: Conn) -> None:
    await conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_ID,))


# --- quarantine ----------------------------------------------------------------------------


async def quarantine(conn: Conn, items: Iterable[Quarantined]) -> int:
    rows = [(q.table, q.legacy_id, q.group_key, q.reason) for q in items]
    if rows:
        async with conn.cursor() as cur:
            await cur.executemany(
                f"INSERT INTO {SCHEMA}.quarantine (table_name, legacy_id, group_key, reason) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (table_name, legacy_id) "
                "DO UPDATE SET reason = EXCLUDED.reason, group_key = EXCLUDED.group_key",
                rows,
            )
    return len(rows)


async def release(conn: Conn, table: str, ids: list[str]) -> None:
    """Forget quarantine entries for rows that are now valid or gone."""
    if ids:
        await conn.execute(
            f"DELETE FROM {SCHEMA}.quarantine WHERE table_name = %s AND legacy_id = ANY(%s)", (table, ids)
        )


async def release_groups(conn: Conn, table: str, groups: list[str]) -> None:
    if groups:
        await conn.execute(
            f"DELETE FROM {SCHEMA}.quarantine WHERE table_name = %s AND group_key = ANY(%s)", (table, groups)
        )


async def has_quarantine(conn: Conn, table: str) -> bool:
    cur = await conn.execute(
        f"SELECT EXISTS (SELECT 1 FROM {SCHEMA}.quarantine WHERE table_name = %s) AS x", (table,)
    )
    row = await cur.fetchone()
    return bool(row and row["x"])


async def quarantined_ids(conn: Conn, table: str, ids: list[str]) -> set[str]:
    cur = await conn.execute(
        f"SELECT legacy_id FROM {SCHEMA}.quarantine WHERE table_name = %s AND legacy_id = ANY(%s)",
        (table, ids),
    )
    return {r["legacy_id"] for r in await cur.fetchall()}


async def quarantine_summary(conn: Conn) -> dict[str, dict[str, int]]:
    cur = await conn.execute(
        f"SELECT table_name, reason, count(*) AS n FROM {SCHEMA}.quarantine GROUP BY 1, 2 ORDER BY 1, 2"
    )
    out: dict[str, dict[str, int]] = {}
    for r in await cur.fetchall():
        out.setdefault(r["table_name"], {})[r["reason"]] = int(r["n"])
    return out


async def quarantine_map(conn: Conn, table: str) -> dict[str, str]:
    cur = await conn.execute(
        f"SELECT legacy_id, reason FROM {SCHEMA}.quarantine WHERE table_name = %s", (table,)
    )
    return {r["legacy_id"]: r["reason"] for r in await cur.fetchall()}


# --- transcript part counts ---------------------------------------------------------------


async def part_counts(conn: Conn, sessions: list[str]) -> dict[str, int]:
    cur = await conn.execute(
        f"SELECT session_id, parts FROM {SCHEMA}.transcript_parts WHERE session_id = ANY(%s)", (sessions,)
    )
    return {r["session_id"]: int(r["parts"]) for r in await cur.fetchall()}


async def set_part_counts(conn: Conn, counts: dict[str, int]) -> None:
    if counts:
        async with conn.cursor() as cur:
            await cur.executemany(
                f"INSERT INTO {SCHEMA}.transcript_parts (session_id, parts) VALUES (%s, %s) "
                "ON CONFLICT (session_id) DO UPDATE SET parts = EXCLUDED.parts",
                list(counts.items()),
            )


async def reset_part_counts(conn: Conn, counts: dict[str, int]) -> None:
    """Replace every recorded count (after a scan of the store, e.g. on rollback)."""
    async with conn.transaction():
        await conn.execute(f"DELETE FROM {SCHEMA}.transcript_parts")
        await set_part_counts(conn, counts)


# --- freeze and switch ---------------------------------------------------------------------


async def control(conn: Conn) -> dict[str, Any]:
    cur = await conn.execute(f"SELECT frozen, frozen_xid, system, switched_at FROM {SCHEMA}.control")
    row = await cur.fetchone()
    return (
        dict(row) if row else {"frozen": False, "frozen_xid": None, "system": "legacy", "switched_at": None}
    )


async def freeze(conn: Conn) -> str:
    """Set the freeze flag; returns the freezing transaction's id (writers older than it may still commit)."""
    async with conn.transaction():
        cur = await conn.execute("SELECT pg_current_xact_id()::text AS xid")
        row = await cur.fetchone()
        xid = str(row["xid"]) if row else "0"
        await conn.execute(f"UPDATE {SCHEMA}.control SET frozen = TRUE, frozen_xid = %s", (xid,))
    return xid


async def writers_before_done(conn: Conn, xid: str) -> bool:
    """True once every transaction that started before ``xid`` has committed or aborted."""
    cur = await conn.execute("SELECT pg_snapshot_xmin(pg_current_snapshot()) >= %s::xid8 AS done", (xid,))
    row = await cur.fetchone()
    return bool(row and row["done"])


async def unfreeze(conn: Conn) -> None:
    await conn.execute(f"UPDATE {SCHEMA}.control SET frozen = FALSE, frozen_xid = NULL")


async def set_system(conn: Conn, system: str) -> None:
    await conn.execute(f"UPDATE {SCHEMA}.control SET system = %s, switched_at = now()", (system,))
