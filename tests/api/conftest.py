"""Fixtures for the auth and staff API tests: a real embedded store, a controllable clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from apiworld import FakeClock, World, build_world, start_host

from reddytalk.auth.passwords import Passwords
from reddytalk.auth.service import AuthService
from reddytalk.settings import Settings
from reddytalk.stores.documents.embedded import EmbeddedDocumentStore


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def documents(tmp_path: Path) -> AsyncIterator[EmbeddedDocumentStore]:
    store = EmbeddedDocumentStore(tmp_path / "documents.sqlite3")
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture(scope="session")
def passwords() -> Passwords:
    return Passwords()


@pytest.fixture
def settings() -> Settings:
    return Settings.from_env({})


@pytest.fixture
def auth(
    documents: EmbeddedDocumentStore, settings: Settings, passwords: Passwords, clock: FakeClock
) -> AuthService:
    return AuthService(documents, settings, passwords=passwords, clock=clock)


@pytest.fixture(scope="module")
def api_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The app on the local host with practices A and B (see ``apiworld.py``), one per test module.

    Module scope, because a running host holds its settings in the process environment: other
    test modules must not see them.
    """
    state = tmp_path_factory.mktemp("api-host")
    handle = start_host(state)
    try:
        yield build_world(handle.base_url, state / "documents.sqlite3")
    finally:
        handle.stop()
