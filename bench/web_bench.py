"""Web dashboard benchmark (issue 13): dashboard load, SignalR turn message → DOM, bundle size.

Runs the real local host with the demo practice and the built ``web/dist``, and Debian's Chromium
through ``web/e2e/bench.mjs``:

- dashboard load: a fresh browser context opens ``/login`` (until the form is usable), then signs in
  until the live board shows and its SignalR connection is live (typing time excluded);
- message → DOM: ``turn.heard`` messages sent one at a time through the SignalR service's REST API
  to the practice group; the time from the client receiving each (a performance mark in the page)
  to its line being in the DOM (MutationObserver), and from the REST send to the DOM;
- JS bundle: gzip size of the entry chunk (what the login → board path loads) and of all chunks.

    PYTHONPATH=$PWD .venv/bin/python bench/web_bench.py [--loads 5] [--messages 200]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "calls")]

from callkit import host_env, seed  # noqa: E402

from devhost.host import SIGNALR_SETTING, LocalHost  # noqa: E402
from reddytalk.services import close_services  # noqa: E402

DIST = ROOT / "web" / "dist"
OUT = ROOT / "bench" / "results" / "web.json"
EMAIL = "bench@maple.example"
PASSWORD = "a long enough bench password"
TARGET_LOAD_MS = 2000
AIM_LOAD_MS = 1000
TARGET_DOM_P95_MS = 100


def bundle_sizes() -> dict[str, object]:
    index = (DIST / "index.html").read_text(encoding="utf-8")
    chunks = sorted((DIST / "assets").glob("*.js"))
    entry = [c for c in chunks if c.name in index]
    gz = {c.name: len(gzip.compress(c.read_bytes(), 9)) for c in chunks}
    return {
        "entry_js_gzip_bytes": sum(gz[c.name] for c in entry),
        "all_js_gzip_bytes": sum(gz.values()),
        "css_gzip_bytes": sum(len(gzip.compress(c.read_bytes(), 9)) for c in (DIST / "assets").glob("*.css")),
        "chunks": gz,
    }


def add_staff(env: dict[str, str]) -> None:
    full = {**os.environ, **env, "REDDYTALK_ADMIN_PASSWORD": PASSWORD, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "reddytalk.cli.main", "users", "add-admin", "--practice-id", "maple-grove"]
    cmd += ["--email", EMAIL, "--name", "Bench Desk"]
    subprocess.run(cmd, env=full, cwd=ROOT, check=True, capture_output=True, timeout=120)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--state", type=Path, default=ROOT / ".data" / "web-bench")
    args = parser.parse_args()
    shutil.rmtree(args.state, ignore_errors=True)
    args.state.mkdir(parents=True)
    practice_id = seed(args.state)
    env = host_env(args.state)
    add_staff(env)
    load_start = os.getloadavg()
    handle = LocalHost(
        ROOT, args.state / "host", port=0, signalr_port=0, env=env, static_dir=DIST
    ).run_in_thread()
    try:
        signalr = os.environ[SIGNALR_SETTING]  # set by the host for its stand-in
        cmd = ["node", str(ROOT / "web" / "e2e" / "bench.mjs"), "--base", handle.base_url]
        cmd += ["--email", EMAIL, "--password", PASSWORD, "--chromium", shutil.which("chromium") or ""]
        cmd += ["--signalr", signalr, "--practice", practice_id]
        cmd += ["--loads", str(args.loads), "--messages", str(args.messages)]
        started = time.perf_counter()
        done = subprocess.run(cmd, cwd=ROOT / "web", capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            print(done.stdout, done.stderr, file=sys.stderr)
            return 1
        measured = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        handle.run(close_services())
        handle.stop()
    totals = sorted(load["total_ms"] for load in measured["loads"])
    median_load = totals[len(totals) // 2]
    dom = measured["message_to_dom"]
    bundle = bundle_sizes()
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "load_start": list(load_start),
            "load_end": list(os.getloadavg()),
        },
        "seconds": round(time.perf_counter() - started, 1),
        "targets": {
            "dashboard_load_median_ms": median_load,
            "dashboard_load_max_ms": totals[-1],
            "dashboard_load_meets_2s": totals[-1] <= TARGET_LOAD_MS,
            "dashboard_load_meets_1s_aim": median_load <= AIM_LOAD_MS,
            "message_receive_to_dom_p95_ms": dom["receive_to_dom_ms"]["p95"],
            "message_send_to_dom_p95_ms": dom["send_to_dom_ms"]["p95"],
            "message_to_dom_meets_100ms": (dom["send_to_dom_ms"]["p95"] or 1e9) <= TARGET_DOM_P95_MS,
            "entry_js_gzip_kb": round(bundle["entry_js_gzip_bytes"] / 1024, 1),  # type: ignore[operator]
            "all_js_gzip_kb": round(bundle["all_js_gzip_bytes"] / 1024, 1),  # type: ignore[operator]
        },
        "loads": measured["loads"],
        "message_to_dom": dom,
        "bundle": bundle,
    }
    OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result["targets"], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
