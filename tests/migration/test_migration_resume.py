"""Kill the loader (SIGKILL, mid-run) and resume: no duplicates, no gaps."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reddytalk.migration import checkpoint, state
from reddytalk.migration.load import LoadOptions, full_load
from reddytalk.migration.transform import Converter
from reddytalk.migration.validate import ValidateOptions, validate
from reddytalk.migration.writer import Writer
from reddytalk.stores.documents.base import DocumentStore

from .conftest import PART_BYTES, Target

pytestmark = pytest.mark.postgres


async def test_killed_loader_resumes_without_duplicates_or_gaps(
    legacy: state.Conn,
    legacy_dsn: str,
    reader: state.Conn,
    writer: Writer,
    conv: Converter,
    store: DocumentStore,
    target: Target,
    tmp_path: Path,
) -> None:
    command = [
        sys.executable,
        "-m",
        "reddytalk.cli.main",
        "migrate",
        "full",
        "--dsn",
        legacy_dsn,
        "--batch",
        "5",
        "--concurrency",
        "1",
        "--no-progress",
        "--max-part-bytes",
        str(PART_BYTES),
    ]
    log = (tmp_path / "loader.log").open("wb")
    loader = subprocess.Popen(
        command, env={**os.environ, **target.env}, stdout=subprocess.DEVNULL, stderr=log
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if await state.installed(legacy) and await checkpoint.get(legacy, "full:patients") not in (
                None,
                "10",
            ):
                break
            assert loader.poll() is None, (tmp_path / "loader.log").read_text()
            await asyncio.sleep(0.005)
        loader.send_signal(signal.SIGKILL)
        loader.wait(timeout=10)
    finally:
        if loader.poll() is None:
            loader.kill()
            loader.wait()
        log.close()
    killed_at = await checkpoint.all_checkpoints(legacy)
    in_progress = [n for n in killed_at if not n.endswith(":done") and f"{n}:done" not in killed_at]
    assert len(in_progress) <= 1 and "full:model_versions:done" not in killed_at, killed_at
    assert not (await validate(legacy, store, conv, ValidateOptions(sample=5, max_part_bytes=PART_BYTES))).ok

    resumed = await full_load(
        legacy, reader, writer, conv, LoadOptions(max_part_bytes=PART_BYTES, progress=False)
    )
    assert resumed.ok
    assert resumed.tables["users"]["skipped"] == "already loaded"
    for name in in_progress:  # killed between two tables, nothing is in flight
        assert resumed.tables[name.removeprefix("full:")]["resumed_from"] == killed_at[name]
    checked = await validate(legacy, store, conv, ValidateOptions(sample=10, max_part_bytes=PART_BYTES))
    assert checked.ok, checked.problems  # no missing (gap), extra or duplicated documents
