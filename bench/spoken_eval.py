"""Spoken scenario evaluation: development scenarios said through ``reddytalk call`` (eSpeak voice,
whisper tiny.en recogniser, the in-process app on embedded defaults) and scored with the same
``check`` as the text evaluation.

Only scenarios whose expectations are visible in a call's result are run (appointments booked /
moved / cancelled, flags, tools, reply words); scenarios that expect new patient records or staff
messages are left out, because ``reddytalk call`` does not report those. Each line is spoken in
real time, so a scenario takes 10-15 s per line on the 2-core machine: use ``--limit``.

    PYTHONPATH=$PWD .venv/bin/python bench/spoken_eval.py --limit 20 [--suite tests/agent/scenarios_blind2.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reddytalk.agent.evaluation import check, load_suite  # noqa: E402
from reddytalk.practice.loader import load_practice_file  # noqa: E402

VISIBLE = {
    "booked",
    "moved",
    "cancelled",
    "flags",
    "tools",
    "no_tools",
    "last_reply_contains",
    "any_reply_contains",
}


def spoken(scenario: dict[str, Any]) -> bool:
    expect = scenario.get("expect", {})
    return bool(expect) and set(expect) <= VISIBLE | {"no_reply_contains"}


def call(lines: list[str], now: str, timeout: float) -> dict[str, Any]:
    argv = [sys.executable, "-m", "reddytalk.cli.main", "call", "--json", "--now", now]
    for line in lines:
        argv += ["--say", line]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=ROOT, check=True)
    return dict(json.loads(done.stdout))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--suite", action="append", help="development file(s); default: every scenarios*.json"
    )
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "spoken_eval.json"))
    args = parser.parse_args()
    practice = load_practice_file(ROOT / "examples" / "demo-practice.json")
    suites = args.suite or [str(p) for p in sorted((ROOT / "tests" / "agent").glob("scenarios*.json"))]
    chosen: list[tuple[str, dict[str, Any]]] = []
    for suite in suites:
        now, scenarios = load_suite(suite)
        chosen += [(now.isoformat(), s) for s in scenarios if spoken(s)]
    chosen = chosen[: args.limit]
    results: dict[str, Any] = {"scenarios": {}, "by_category": {}}
    passed: Counter[str] = Counter()
    total: Counter[str] = Counter()
    started = time.perf_counter()
    for now, scenario in chosen:
        category = scenario.get("category", "other")
        total[category] += 1
        try:
            result = call(scenario["say"], scenario.get("now", now), timeout=40.0 * len(scenario["say"]))
            listed = {a["id"] for a in result["appointments"]}
            unlisted = [  # the call lists bookable visits only; a past (completed) one cannot change
                a.model_dump(mode="json") for a in practice.appointments if a.id not in listed
            ]
            outcome = {
                **result,
                "appointments": result["appointments"] + unlisted,
                "patients": [],
                "messages": [],
            }
            problems = check(scenario, outcome, practice)
            heard = [t["heard"] for t in result["turns"]]
        except (subprocess.SubprocessError, json.JSONDecodeError, KeyError) as exc:
            problems, heard = [f"call failed: {type(exc).__name__}"], []
        passed[category] += not problems
        results["scenarios"][scenario["name"]] = {
            "passed": not problems,
            "problems": problems,
            "heard": heard,
        }
        print(f"{'PASS' if not problems else 'FAIL'} {scenario['name']}", flush=True)
    n, ok = sum(total.values()), sum(passed.values())
    results["by_category"] = {c: f"{passed[c]}/{total[c]}" for c in sorted(total)}
    results["passed"], results["total"] = ok, n
    results["success_rate"] = round(ok / n, 4) if n else 0.0
    results["seconds"] = round(time.perf_counter() - started, 1)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in results.items() if k != "scenarios"}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
