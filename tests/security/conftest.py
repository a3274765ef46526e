"""The security probes' world: the real app on the local host with practices A and B.

Each test module names the settings its host runs with in ``HOST_ENV`` (module scope: a running
host holds its settings in the process environment). The world is the API tests' (``tests/api/
apiworld.py``), reused rather than copied.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))

from apiworld import World, build_world, host_env
from probes import NOTES, report

from devhost.host import LocalHost
from reddytalk.services import close_services

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sec_world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    state = tmp_path_factory.mktemp("security")
    env = host_env(state) | getattr(request.module, "HOST_ENV", {})
    handle = LocalHost(ROOT, state / "host", port=0, signalr_port=0, env=env).run_in_thread()
    try:
        yield build_world(handle.base_url, state / "documents.sqlite3")
    finally:
        handle.run(close_services())
        handle.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = report()
    if len(lines) > 2 or NOTES:
        terminalreporter.section("security probes")
        for line in lines:
            terminalreporter.write_line(line)
