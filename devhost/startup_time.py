"""Measure how long ``python -m devhost start`` takes until it serves (issue 17: keep it under 3 s warm).

``python -m devhost.startup_time --script-root . --runs 5 [--env NAME=VALUE ...]``: each run starts the
CLI on a free port with one state folder and stops it at ``Host started at``. The first run is "cold" when
the app has no bytecode cache yet and the state folder is new; later runs are "warm".
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def start_once(script_root: Path, state: Path, env: dict[str, str]) -> float:
    command = [sys.executable, "-m", "devhost", "start", "--script-root", str(script_root)]
    command += ["--port", "0", "--signalr-port", "0", "--state", str(state)]
    began = time.perf_counter()
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as proc:
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                if line.startswith("Host started at"):
                    return time.perf_counter() - began
            raise RuntimeError(f"the host did not start: {proc.stderr.read() if proc.stderr else ''}")
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devhost.startup_time")
    parser.add_argument("--script-root", type=Path, default=Path.cwd())
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE app setting for the runs")
    args = parser.parse_args(argv)
    root = args.script_root.resolve()
    with tempfile.TemporaryDirectory(prefix="devhost-start-") as tmp:
        env = {**os.environ, "PYTHONPATH": str(root)}
        env.update(item.split("=", 1) for item in args.env)
        times = [start_once(root, Path(tmp) / "state", env) for _ in range(args.runs)]
    warm = times[1:] or times
    print(f"cold {times[0]:.2f} s; warm median {statistics.median(warm):.2f} s, max {max(warm):.2f} s")
    print("runs:", ", ".join(f"{t:.2f}" for t in times))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
