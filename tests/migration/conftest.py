"""Fixtures for the migration tests: a throwaway legacy database and a fresh target store.

The legacy database is a new database on the PostgreSQL server at 127.0.0.1:5432, dropped after the
test. The target is parametrized: the embedded store (a new SQLite file) and Cosmos DB (a new
database on the session's ``@vercel/cosmosdb-server``), both opened through ``open_documents``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from reddytalk.migration import state
from reddytalk.migration.fake_legacy import FakeOptions, generate
from reddytalk.migration.transform import Converter
from reddytalk.migration.writer import Writer
from reddytalk.settings import Settings
from reddytalk.stores import open_documents
from reddytalk.stores.documents.base import DocumentStore

ADMIN_DSN = os.environ.get("REDDYTALK_TEST_PG", "host=127.0.0.1 port=5432 user=postgres dbname=postgres")
PART_BYTES = 8_000  # small transcript parts, so the tests exercise splitting


@dataclass
class Target:
    kind: str
    env: dict[str, str]

    @property
    def settings(self) -> Settings:
        return Settings.from_env(self.env)

    def open(self) -> DocumentStore:
        return open_documents(self.settings)


@pytest.fixture
def legacy_dsn() -> Iterator[str]:
    name = f"reddytalk_migration_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    dsn = ADMIN_DSN.replace("dbname=postgres", f"dbname={name}")
    try:
        yield dsn
    finally:
        with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["embedded", pytest.param("cosmos", marks=pytest.mark.azure)])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Target:
    if request.param == "embedded":
        return Target(
            "embedded", {"DOCUMENTS_CONNECTION": f"UseEmbeddedStorage=true;Path={tmp_path}/docs.sqlite3"}
        )
    conn = request.getfixturevalue("cosmos_server")
    return Target("cosmos", {"DOCUMENTS_CONNECTION": conn, "DOCUMENTS_DATABASE": f"m{uuid.uuid4().hex[:12]}"})


@pytest.fixture
async def store(target: Target) -> AsyncIterator[DocumentStore]:
    docs = target.open()
    yield docs
    await docs.close()


@pytest.fixture
async def conn(legacy_dsn: str) -> AsyncIterator[state.Conn]:
    c = await state.connect(legacy_dsn)
    yield c
    await c.close()


@pytest.fixture
async def reader(legacy_dsn: str) -> AsyncIterator[state.Conn]:
    c = await state.connect(legacy_dsn)
    yield c
    await c.close()


@pytest.fixture
def writer(store: DocumentStore) -> Writer:
    return Writer(store, concurrency=8)


@pytest.fixture
def conv() -> Converter:
    return Converter("America/New_York")


SMALL = FakeOptions(
    patients=150,
    transcript_lines=700,
    long_transcripts=1,
    long_transcript_lines=300,
    long_line_bytes=60,
    seed=11,
)


@pytest.fixture
async def legacy(conn: state.Conn) -> state.Conn:
    """The legacy database filled with a small, quirky data set."""
    await generate(conn, SMALL)
    return conn
