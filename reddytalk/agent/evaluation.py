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

START, END = "<!-- results:start -->", "<!-- results:end -->"


def load_suite(path: str | Path) -> tuple[datetime, list[dict[str, Any]]]:
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    return datetime.fromisoformat(raw["now"]), list(raw["scenarios"])


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
    now, scenarios = load_suite(suite)
    failures: dict[str, list[str]] = {}
    by_category: Counter[str] = Counter()
    passed_by_category: Counter[str] = Counter()
    for scenario in scenarios:
        _, problems = await run_scenario(scenario, practice, brain, now)
        by_category[scenario.get("category", "other")] += 1
        if problems:
            failures[scenario["name"]] = problems
        else:
            passed_by_category[scenario.get("category", "other")] += 1
    total = len(scenarios)
    passed = total - len(failures)
    return {
        "brain": brain.name,
        "total": total,
        "passed": passed,
        "success_rate": round(passed / total, 4) if total else 0.0,
        "by_category": {c: f"{passed_by_category[c]}/{n}" for c, n in sorted(by_category.items())},
        "failures": failures,
    }


def render(report: dict[str, Any]) -> str:
    lines = [
        START,
        f"Brain `{report['brain']}`: **{report['passed']}/{report['total']} scenarios passed "
        f"({report['success_rate'] * 100:.1f} %)**.",
        "",
        "| category | passed |",
        "| --- | --- |",
        *[f"| {c} | {v} |" for c, v in report["by_category"].items()],
    ]
    if report["failures"]:
        lines += [
            "",
            "Failing scenarios:",
            *[f"- `{n}`: {'; '.join(p)}" for n, p in report["failures"].items()],
        ]
    lines.append(END)
    return "\n".join(lines)


def write_results(doc: Path, report: dict[str, Any]) -> None:
    text = doc.read_text(encoding="utf-8") if doc.exists() else f"# Receptionist agent\n\n{START}\n{END}\n"
    if START not in text:
        text += f"\n{START}\n{END}\n"
    head, rest = text.split(START, 1)
    tail = rest.split(END, 1)[1] if END in rest else ""
    doc.write_text(head + render(report) + tail, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    from reddytalk.agent.brains.factory import build_brain
    from reddytalk.practice.loader import load_practice_file
    from reddytalk.settings import get_settings

    parser = argparse.ArgumentParser(description="score the receptionist on the scenario suite")
    parser.add_argument("--scenarios", default="tests/agent/scenarios.json")
    parser.add_argument("--practice", default="examples/demo-practice.json")
    parser.add_argument("--write", help="markdown file whose results section to replace (e.g. docs/agent.md)")
    args = parser.parse_args(argv)
    report = asyncio.run(
        evaluate(args.scenarios, load_practice_file(args.practice), build_brain(get_settings()))
    )
    print(json.dumps(report, indent=2))
    if args.write:
        write_results(Path(args.write), report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
