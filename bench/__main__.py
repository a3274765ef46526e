"""Run the benchmarks, then regenerate ``docs/benchmarks.md`` from ``bench/results/*.json``.

    python -m bench                      # every benchmark, full size (about an hour on 2 cores)
    python -m bench --quick              # smoke run, a few minutes: small samples, no peers
    python -m bench --only calls audio   # a subset (names below)
    python -m bench --report-only        # just rebuild docs/benchmarks.md from the saved results

Each benchmark runs in its own subprocess so models, threads and event loops of one cannot
skew the next. A failing benchmark is reported and the others still run; the exit status is 1
if any failed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import report  # noqa: E402

# name -> (module file, arguments for a full run, arguments for --quick)
BENCHMARKS: dict[str, tuple[str, list[str], list[str]]] = {
    "audio": ("audio_bench.py", [], ["--repeats", "2", "--no-realtime"]),
    "stores": ("stores_bench.py", [], ["--ops", "100"]),
    "ingest": ("ingest_bench.py", [], ["--seconds", "15"]),
    "devhost": ("devhost_bench.py", [], ["--no-peer"]),
    "signalr": ("signalr_bench.py", [], ["--n", "100"]),
    "api": ("api_bench.py", [], ["--seconds", "2", "--patients", "500"]),
    "agent": ("agent_bench.py", [], ["--rounds", "1"]),
    "voice_cloud": ("voice_cloud_bench.py", [], ["--n", "5"]),
    "migration": (
        "migration_bench.py",
        [],
        ["--patients", "2000", "--lines", "20000", "--targets", "embedded", "--sync-seconds", "3"],
    ),
    "calls": ("call_bench.py", [], ["--quick"]),
    "web": ("web_bench.py", [], ["--loads", "2", "--messages", "50"]),
}


def run_one(name: str, quick: bool) -> tuple[bool, float]:
    script, full, smoke = BENCHMARKS[name]
    command = [sys.executable, str(ROOT / "bench" / script), *(smoke if quick else full)]
    print(f"== {name}: {' '.join(command[1:])}", flush=True)
    started = time.perf_counter()
    code = subprocess.run(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}).returncode
    seconds = time.perf_counter() - started
    print(f"== {name}: exit {code} after {seconds:.0f} s", flush=True)
    return code == 0, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), help="benchmarks to run")
    parser.add_argument("--quick", action="store_true", help="small samples and no peers (smoke run)")
    parser.add_argument("--report-only", action="store_true", help="only rebuild docs/benchmarks.md")
    args = parser.parse_args(argv)
    load_start = os.getloadavg()
    outcomes: dict[str, dict[str, object]] = {}
    if not args.report_only:
        for name in args.only or list(BENCHMARKS):
            ok, seconds = run_one(name, args.quick)
            outcomes[name] = {"ok": ok, "seconds": round(seconds, 1), "quick": args.quick}
    path = report.write(load_start=load_start, load_end=os.getloadavg(), outcomes=outcomes)
    print(f"wrote {path.relative_to(ROOT)}")
    failed = [name for name, outcome in outcomes.items() if not outcome["ok"]]
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
