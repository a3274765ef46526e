"""Named checkpoints of the full load (last legacy key written per table), stored in PostgreSQL."""

from __future__ import annotations

from reddytalk.migration.state import SCHEMA, Conn


async def get(conn: Conn, name: str) -> str | None:
    cur = await conn.execute(f"SELECT value FROM {SCHEMA}.checkpoints WHERE name = %s", (name,))
    row = await cur.fetchone()
    return None if row is None else row["value"]


async def put(conn: Conn, name: str, value: str | None) -> None:
    await conn.execute(
        f"INSERT INTO {SCHEMA}.checkpoints (name, value, updated_at) VALUES (%s, %s, now()) "
        "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = now()",
        (name, value),
    )


async def clear(conn: Conn, prefix: str) -> None:
    await conn.execute(f"DELETE FROM {SCHEMA}.checkpoints WHERE name LIKE %s", (prefix + "%",))


async def all_checkpoints(conn: Conn) -> dict[str, str | None]:
    cur = await conn.execute(f"SELECT name, value FROM {SCHEMA}.checkpoints ORDER BY name")
    return {r["name"]: r["value"] for r in await cur.fetchall()}
