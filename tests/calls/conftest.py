"""One seeded local host running the whole app for the call tests (started once per session)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from callkit import CallWorld, Voice, host_env, seed, start_host

from reddytalk.services import close_services


@pytest.fixture(scope="session")
def call_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CallWorld]:
    state = tmp_path_factory.mktemp("calls")
    practice_id = seed(state)
    handle = start_host(state, host_env(state))
    try:
        yield CallWorld(handle.base_url, state, practice_id)
    finally:
        handle.run(close_services())
        handle.stop()


@pytest.fixture(scope="session")
def voice() -> Voice:
    return Voice()
