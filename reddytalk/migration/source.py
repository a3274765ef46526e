"""Reads legacy rows from PostgreSQL in key order, each with its quarantine reason (NULL = valid)."""

from __future__ import annotations

from typing import Any

from reddytalk.migration.state import Conn
from reddytalk.migration.tables import CALL_SESSIONS, CALL_TRANSCRIPTS, Table

Row = dict[str, Any]
NULL_GROUP = ""  # group key of transcript lines whose session_id is NULL


def _select(table: Table) -> str:
    return f"SELECT r.*, ({table.reason_sql}) AS _reason FROM {table.name} r"


async def rows_after(conn: Conn, table: Table, after: str | None, limit: int) -> list[Row]:
    """The next ``limit`` rows by primary key after ``after`` (keyset pagination, resumable)."""
    if after is None:
        cur = await conn.execute(f"{_select(table)} ORDER BY r.id LIMIT %s", (limit,))
    else:
        cur = await conn.execute(
            f"{_select(table)} WHERE r.id > %s::{table.key_type} ORDER BY r.id LIMIT %s",
            (after, limit),
        )
    return await cur.fetchall()


async def rows_by_keys(conn: Conn, table: Table, keys: list[str]) -> list[Row]:
    cur = await conn.execute(
        f"{_select(table)} WHERE r.id = ANY(%s::{table.key_type}[]) ORDER BY r.id",
        (keys,),
    )
    return await cur.fetchall()


async def all_rows(conn: Conn, table: Table, batch: int = 5000) -> list[Row]:
    out: list[Row] = []
    after: str | None = None
    while rows := await rows_after(conn, table, after, batch):
        out.extend(rows)
        after = str(rows[-1]["id"])
    return out


async def sessions_after(conn: Conn, after: str | None, limit: int) -> list[str]:
    """Next transcript groups (session ids as text) in order; the NULL-session group comes first.

    ``after`` is the last group done: ``None`` to start, ``NULL_GROUP`` once the NULL group is done.
    """
    groups: list[str] = []
    if after is None:
        cur = await conn.execute(
            "SELECT EXISTS (SELECT 1 FROM call_transcripts WHERE session_id IS NULL) AS x"
        )
        row = await cur.fetchone()
        if row and row["x"]:
            groups.append(NULL_GROUP)
    # A loose index scan: one index probe per distinct session instead of reading every line.
    anchor = "session_id IS NOT NULL" if not after else "session_id > %(after)s::uuid"
    cur = await conn.execute(
        f"""
        WITH RECURSIVE s(id, n) AS (
            (SELECT session_id, 1 FROM call_transcripts WHERE {anchor} ORDER BY session_id LIMIT 1)
            UNION ALL
            SELECT (SELECT t.session_id FROM call_transcripts t WHERE t.session_id > s.id
                     ORDER BY t.session_id LIMIT 1), n + 1
              FROM s WHERE s.id IS NOT NULL AND n < %(limit)s
        )
        SELECT id::text AS id FROM s WHERE id IS NOT NULL
        """,
        {"after": after, "limit": limit - len(groups)},
    )
    groups.extend(r["id"] for r in await cur.fetchall())
    return groups


async def lines_of(conn: Conn, groups: list[str]) -> list[Row]:
    """All lines of the given transcript groups, ordered by session then line id."""
    ids = [g for g in groups if g != NULL_GROUP]
    null_clause = " OR r.session_id IS NULL" if NULL_GROUP in groups else ""
    cur = await conn.execute(
        f"{_select(CALL_TRANSCRIPTS)} WHERE r.session_id = ANY(%s::uuid[]){null_clause} "
        "ORDER BY r.session_id NULLS FIRST, r.id",
        (ids,),
    )
    return await cur.fetchall()


async def session_reasons(conn: Conn, groups: list[str]) -> dict[str, str | None]:
    """Quarantine reason of each existing call session among ``groups`` (absent sessions are missing)."""
    ids = [g for g in groups if g != NULL_GROUP]
    cur = await conn.execute(
        f"SELECT r.id::text AS id, ({CALL_SESSIONS.reason_sql}) AS _reason FROM call_sessions r "
        "WHERE r.id = ANY(%s::uuid[])",
        (ids,),
    )
    return {r["id"]: r["_reason"] for r in await cur.fetchall()}


async def count(conn: Conn, table: Table) -> int:
    cur = await conn.execute(f"SELECT count(*) AS n FROM {table.name}")
    row = await cur.fetchone()
    return int(row["n"]) if row else 0
