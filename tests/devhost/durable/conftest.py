"""Fixtures for the local host's durable engine tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from durable_harness import Harness, running_engine


@pytest.fixture
def runs_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """File the sample activities append one line per run to (counts executions)."""
    path = tmp_path / "runs.txt"
    path.touch()
    monkeypatch.setenv("DURABLE_TEST_RUNS", str(path))
    return path


@pytest.fixture
async def host(tmp_path: Path, runs_file: Path) -> AsyncIterator[Harness]:
    async with running_engine(tmp_path / "state") as harness:
        yield harness
