"""One seeded local host running the whole app for a module of call tests.

Module-scoped, not session-scoped: an in-process host applies its settings to ``os.environ`` (the
app reads them there) until it stops, and later tests must not inherit them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from callkit import CallWorld, Voice, host_env, seed, start_host

from reddytalk.services import close_services


@pytest.fixture(scope="module")
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
