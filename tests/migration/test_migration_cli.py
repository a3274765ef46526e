"""The ``reddytalk migrate`` command line: reports, JSON output and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

pytestmark = pytest.mark.postgres


def migrate(dsn: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reddytalk.cli.main", "migrate", *args, "--dsn", dsn, "--no-progress"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_loads_validates_and_exits_non_zero_on_mismatch(legacy_dsn: str, tmp_path: Path) -> None:
    env = {"DOCUMENTS_CONNECTION": f"UseEmbeddedStorage=true;Path={tmp_path}/docs.sqlite3"}
    assert migrate(legacy_dsn, env, "fake-legacy", "--patients", "100").returncode == 0
    plan = json.loads(migrate(legacy_dsn, env, "plan", "--json").stdout)
    assert plan["tables"]["call_transcripts"]["partition_key"] == "/session_id"
    assert plan["tables"]["call_transcripts"]["rows"] == 1000  # 10 lines per patient by default, exactly
    full = migrate(legacy_dsn, env, "full", "--json")
    assert full.returncode == 0, full.stdout + full.stderr
    assert json.loads(full.stdout)["tables"]["patients"]["rows"] == 100
    ok = migrate(legacy_dsn, env, "validate")
    assert ok.returncode == 0 and "validate: OK" in ok.stdout

    with psycopg.connect(legacy_dsn, autocommit=True) as conn:
        conn.execute("UPDATE patients SET phone = 'changed' WHERE id = 2")
    stale = migrate(legacy_dsn, env, "validate", "--json")
    assert stale.returncode == 1
    report = json.loads(stale.stdout)
    assert report["tables"]["patients"]["differing"] == 1
    assert "changed" not in stale.stdout  # reports name ids and fields, never values

    synced = migrate(legacy_dsn, env, "sync", "--json")
    assert json.loads(synced.stdout)["details"]["changes"] == 1
    assert migrate(legacy_dsn, env, "validate").returncode == 0


def test_cli_reports_an_unreachable_database_cleanly(tmp_path: Path) -> None:
    env = {"DOCUMENTS_CONNECTION": f"UseEmbeddedStorage=true;Path={tmp_path}/docs.sqlite3"}
    result = migrate("host=127.0.0.1 port=5432 user=postgres dbname=no_such_db_here", env, "plan")
    assert result.returncode == 1
    assert "does not exist" in result.stdout and "Traceback" not in result.stderr


def test_cli_help_lists_every_subcommand() -> None:
    from reddytalk.cli.main import build_parser

    parser = build_parser()
    with pytest.raises(SystemExit) as exited:
        parser.parse_args(["migrate", "--help"])
    assert exited.value.code == 0
    for name in ("fake-legacy", "plan", "full", "sync", "validate", "cutover", "rollback"):
        with pytest.raises(SystemExit) as exited:
            parser.parse_args(["migrate", name, "--help"])
        assert exited.value.code == 0
