"""``reddytalk serve``: the app CLI starts ReddyTalk on the local host as a subprocess."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fixtures.processes import free_port

from reddytalk.cli import serve

REPO = Path(__file__).resolve().parents[2]


def test_host_command_runs_devhost_on_the_repository(tmp_path: Path) -> None:
    args = argparse.Namespace(port=0, state=tmp_path / "state", practice=None, signalr_port=9999)
    command = serve.host_command(args)
    assert command[:4] == [sys.executable, "-m", "devhost", "start"]
    assert command[command.index("--script-root") + 1] == str(REPO)
    assert command[command.index("--state") + 1] == str((tmp_path / "state").resolve())
    assert command[command.index("--signalr-port") + 1] == "9999"
    assert (REPO / "function_app.py").is_file()


def test_host_environment_defaults_the_signalr_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(serve.SIGNALR_ENV, raising=False)
    assert serve.host_environment()[serve.SIGNALR_ENV].startswith("Endpoint=http://127.0.0.1")
    monkeypatch.setenv(
        serve.SIGNALR_ENV,
        "Endpoint=https://x.service.signalr.net;AccessKey=serve-test-key-0123456789abcdef0123;Version=1.0;",
    )
    assert serve.host_environment()[serve.SIGNALR_ENV].startswith("Endpoint=https://x.service")


def test_serve_seeds_then_starts_the_app_with_signalr_and_stops_on_sigint(tmp_path: Path) -> None:
    signalr_port = free_port()
    data = tmp_path / "data"
    env = dict(os.environ)
    env.update(
        {
            serve.SIGNALR_ENV: f"Endpoint=http://127.0.0.1;Port={signalr_port};AccessKey=serve-test-key-0123456789abcdef0123;Version=1.0;",
            "DOCUMENTS_CONNECTION": f"UseEmbeddedStorage=true;Path={data / 'documents.sqlite3'}",
            "BLOBS_CONNECTION": f"UseEmbeddedStorage=true;Path={data / 'blobs'}",
            "QUEUES_CONNECTION": f"UseEmbeddedStorage=true;Path={data / 'queues.sqlite3'}",
        }
    )
    command = [
        sys.executable,
        "-m",
        "reddytalk.cli.main",
        "serve",
        "--port",
        "0",
        "--state",
        str(tmp_path / "state"),
    ]
    with subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        try:
            assert proc.stdout is not None
            lines = []
            for line in proc.stdout:
                lines.append(line.rstrip())
                if line.startswith("Host started at"):
                    break
            assert lines and lines[-1].startswith("Host started at"), (
                proc.stderr.read() if proc.stderr else ""
            )
            base = lines[-1].removeprefix("Host started at ").strip()
            assert httpx.get(f"{base}/api/health", timeout=30).status_code == 200
            assert httpx.head(f"http://127.0.0.1:{signalr_port}/api/health", timeout=10).status_code == 200
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=30) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
