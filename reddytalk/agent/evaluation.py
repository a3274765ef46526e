"""Score a brain on the scenario suite: each scenario is a scripted call with an expected end state.

``python -m reddytalk.agent.evaluation --scenarios tests/agent/scenarios.json --practice
examples/demo-practice.json --write docs/agent.md`` runs every scenario with the configured brain
and writes the success rate into the results section of ``docs/agent.md``. The same ``check`` is
what the parametrised test asserts, so the reported figure and the tests cannot disagree.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from reddytalk.agent.brains.base import Brain
from reddytalk.agent.textchat import run_chat
from reddytalk.practice.models import PracticeFile


def load_suite(path: str | Path) -> tuple[datetime, list[dict[str, Any]]]:
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    return datetime.fromisoformat(raw["now"]), list(raw["scenarios"])


def suite_practice(suite: str | Path) -> PracticeFile | None:
    """The practice file a suite names (``"practice": "path"``, relative to the suite or the
    working directory), when it brings its own; else the one given on the command line."""
    from reddytalk.practice.loader import load_practice_file

    named = json.loads(Path(suite).read_text(encoding="utf-8")).get("practice")
    if not named:
        return None
    for candidate in (Path(suite).parent / named, Path(named)):
        if candidate.exists():
            return load_practice_file(candidate)
    raise FileNotFoundError(f"the suite's practice file {named!r} was not found")


def check(scenario: dict[str, Any], outcome: dict[str, Any], practice: PracticeFile) -> list[str]:
    """Everything the scenario expects that did not happen (empty = passed)."""
    expect = scenario.get("expect", {})
    problems: list[str] = []
    flags = outcome["flags"]
    for name, wanted in expect.get("flags", {}).items():
        if flags.get(name) != wanted:
            problems.append(f"flag {name} is {flags.get(name)}, expected {wanted}")
    seeded = {a.id: a for a in practice.appointments}
    after = {a["id"]: a for a in outcome["appointments"]}
    new = [a for i, a in after.items() if i not in seeded]
    booked = expect.get("booked", [])
    if len(new) != len(booked):
        problems.append(f"{len(new)} new appointments, expected {len(booked)}")
    for want in booked:
        if not any(all(_same(a.get(k), v) for k, v in want.items()) for a in new):
            problems.append(f"no new appointment matching {want}")
    cancelled = set(expect.get("cancelled", []))
    moved: dict[str, str] = expect.get("moved", {})
    for appt_id, original in seeded.items():
        now = after.get(appt_id)
        if now is None:
            problems.append(f"{appt_id} disappeared")
            continue
        if appt_id in cancelled:
            if now["status"] != "cancelled":
                problems.append(f"{appt_id} not cancelled")
        elif now["status"] != original.status:
            problems.append(f"{appt_id} status changed to {now['status']}")
        if appt_id in moved:
            if not _same(now["start"], moved[appt_id]):
                problems.append(f"{appt_id} starts {now['start']}, expected {moved[appt_id]}")
        elif not _same(now["start"], original.start.isoformat()):
            problems.append(f"{appt_id} moved unexpectedly to {now['start']}")
    problems += _check_records(expect, outcome, practice)
    called = [c["name"] for t in outcome["turns"] for c in t["tool_calls"]]
    for name in expect.get("tools", []):
        if name not in called:
            problems.append(f"tool {name} was not called")
    for name in expect.get("no_tools", []):
        if name in called:
            problems.append(f"tool {name} was called")
    replies = [t["reply"] for t in outcome["turns"]]
    last = replies[-1] if replies else ""
    for text in expect.get("last_reply_contains", []):
        if text.lower() not in last.lower():
            problems.append(f"last reply lacks {text!r}")
    for text in expect.get("any_reply_contains", []):
        if not any(text.lower() in r.lower() for r in replies):
            problems.append(f"no reply contains {text!r}")
    for text in expect.get("no_reply_contains", []):
        if any(re.search(re.escape(text), r, re.IGNORECASE) for r in replies):
            problems.append(f"a reply contains {text!r}")
    return problems


def _check_records(expect: dict[str, Any], outcome: dict[str, Any], practice: PracticeFile) -> list[str]:
    """New patient records and messages for staff: exactly the expected ones, nothing more."""
    problems: list[str] = []
    seeded = {p.id for p in practice.patients}
    created = [p for p in outcome.get("patients", []) if p["patient_id"] not in seeded]
    wanted_patients = expect.get("patients_created", [])
    if len(created) != len(wanted_patients):
        problems.append(f"{len(created)} patients created, expected {len(wanted_patients)}")
    for want in wanted_patients:
        if not any(
            _same_text(p["first_name"], want.get("first_name"))
            and _same_text(p["last_name"], want.get("last_name"))
            and str(p["dob"]) == str(want.get("date_of_birth"))
            for p in created
        ):
            problems.append(f"no new patient matching {want}")
    messages = outcome.get("messages", [])
    wanted_messages = expect.get("messages", [])
    if len(messages) != len(wanted_messages):
        problems.append(f"{len(messages)} messages taken, expected {len(wanted_messages)}")
    for want in wanted_messages:
        if not any(all(m.get(k) == v for k, v in want.items()) for m in messages):
            problems.append(f"no message matching {want}")
    return problems


def _same_text(actual: Any, wanted: Any) -> bool:
    return wanted is None or str(actual or "").strip().lower() == str(wanted).strip().lower()


def _same(actual: Any, wanted: Any) -> bool:
    if isinstance(wanted, str) and isinstance(actual, str) and "T" in wanted and "T" in actual:
        try:
            return datetime.fromisoformat(actual) == datetime.fromisoformat(wanted)
        except ValueError:
            return actual == wanted
    return bool(actual == wanted)


async def run_scenario(
    scenario: dict[str, Any], practice: PracticeFile, brain: Brain, now: datetime
) -> tuple[dict[str, Any], list[str]]:
    moment = datetime.fromisoformat(scenario["now"]) if "now" in scenario else now
    outcome = await run_chat(practice, scenario["say"], now=moment, brain=brain, session_id=scenario["name"])
    return outcome, check(scenario, outcome, practice)


async def evaluate(suite: str | Path, practice: PracticeFile, brain: Brain) -> dict[str, Any]:
    """Run every scenario of ``suite``; the success rate overall and per category, failures, and
    the agent's time per caller turn (``respond``: guardrails, brain, tools, store writes, audit)."""
    now, scenarios = load_suite(suite)
    practice = suite_practice(suite) or practice
    failures: dict[str, list[str]] = {}
    by_category: Counter[str] = Counter()
    passed_by_category: Counter[str] = Counter()
    turn_ms: list[float] = []
    for scenario in scenarios:
        outcome, problems = await run_scenario(scenario, practice, brain, now)
        turn_ms += [t["ms"] for t in outcome["turns"]]
        by_category[scenario.get("category", "other")] += 1
        if problems:
            failures[scenario["name"]] = problems
        else:
            passed_by_category[scenario.get("category", "other")] += 1
    total = len(scenarios)
    passed = total - len(failures)
    return {
        "brain": brain.name,
        "suite": str(suite),
        "total": total,
        "passed": passed,
        "success_rate": round(passed / total, 4) if total else 0.0,
        "by_category": {c: f"{passed_by_category[c]}/{n}" for c, n in sorted(by_category.items())},
        "turns": len(turn_ms),
        "turn_ms_p50": _percentile(turn_ms, 50),
        "turn_ms_p95": _percentile(turn_ms, 95),
        "failures": failures,
    }


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return round(ordered[index], 2)


def main(argv: list[str] | None = None) -> int:
    from reddytalk.agent.brains.factory import build_brain
    from reddytalk.agent.evaluation_report import red_flag_report, write_results
    from reddytalk.practice.loader import load_practice_file
    from reddytalk.settings import get_settings

    parser = argparse.ArgumentParser(description="score the receptionist on the scenario suites")
    parser.add_argument("--scenarios", default="tests/agent/scenarios.json", help="development set")
    parser.add_argument(
        "--heldout",
        default="tests/agent/heldout",
        help="held-out folder (scenarios.json, red_flags.txt, ordinary.txt): only run, never tuned on",
    )
    parser.add_argument("--practice", default="examples/demo-practice.json")
    parser.add_argument("--write", help="markdown file whose results section to replace (e.g. docs/agent.md)")
    args = parser.parse_args(argv)
    practice = load_practice_file(args.practice)
    brain = build_brain(get_settings())
    reports = {"development": asyncio.run(evaluate(args.scenarios, practice, brain))}
    heldout = Path(args.heldout)
    if (heldout / "scenarios.json").exists():
        reports["held-out"] = asyncio.run(evaluate(heldout / "scenarios.json", practice, brain))
    flags = red_flag_report(heldout)
    print(json.dumps({"scenarios": reports, "red_flags": flags}, indent=2))
    if args.write:
        write_results(Path(args.write), reports, flags)
    return 0


if __name__ == "__main__":
    sys.exit(main())
