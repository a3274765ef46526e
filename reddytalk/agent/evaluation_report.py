"""The evaluation's report: development and held-out scenario results side by side, the red-flag
detector's recall and false-alarm rate on the held-out utterance lists, written into ``docs/agent.md``
between markers (so the figures there always come from a run, never from a hand edit)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reddytalk.agent.guardrails import detect_emergency

START, END = "<!-- results:start -->", "<!-- results:end -->"


def _lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def red_flag_report(folder: Path) -> dict[str, Any]:
    """Recall on ``red_flags.txt`` and false alarms on ``ordinary.txt`` (one utterance a line)."""
    flags, ordinary = _lines(folder / "red_flags.txt"), _lines(folder / "ordinary.txt")
    if not flags and not ordinary:
        return {}
    caught = [line for line in flags if detect_emergency(line) is not None]
    alarms = [line for line in ordinary if detect_emergency(line) is not None]
    return {
        "red_flags": len(flags),
        "caught": len(caught),
        "recall": round(len(caught) / len(flags), 4) if flags else None,
        "ordinary": len(ordinary),
        "false_alarms": len(alarms),
        "false_alarm_rate": round(len(alarms) / len(ordinary), 4) if ordinary else None,
        "missed": [line for line in flags if line not in caught],
        "alarmed": alarms,
    }


def render(reports: dict[str, dict[str, Any]], flags: dict[str, Any]) -> str:
    names = list(reports)
    lines = [START]
    for name in names:
        r = reports[name]
        lines.append(
            f"- {name} (`{r['suite']}`), brain `{r['brain']}`: **{r['passed']}/{r['total']} scenarios passed "
            f"({r['success_rate'] * 100:.1f} %)**; agent time per turn p50 {r['turn_ms_p50']} ms, "
            f"p95 {r['turn_ms_p95']} ms ({r['turns']} turns)."
        )
    categories = sorted({c for r in reports.values() for c in r["by_category"]})
    lines += ["", "| category | " + " | ".join(names) + " |", "| --- |" + " --- |" * len(names)]
    for category in categories:
        cells = [reports[n]["by_category"].get(category, "-") for n in names]
        lines.append(f"| {category} | " + " | ".join(cells) + " |")
    if flags:
        lines += [
            "",
            f"Red-flag detector on the held-out lists: recall {flags['caught']}/{flags['red_flags']}, "
            f"false alarms {flags['false_alarms']}/{flags['ordinary']}.",
        ]
    for name in names:
        failures = reports[name]["failures"]
        if failures:
            lines += ["", f"Failing {name} scenarios:"]
            lines += [f"- `{n}`: {'; '.join(p)}" for n, p in failures.items()]
    lines.append(END)
    return "\n".join(lines)


def write_results(doc: Path, reports: dict[str, dict[str, Any]], flags: dict[str, Any]) -> None:
    text = doc.read_text(encoding="utf-8") if doc.exists() else f"# Receptionist agent\n\n{START}\n{END}\n"
    if START not in text:
        text += f"\n{START}\n{END}\n"
    head, rest = text.split(START, 1)
    tail = rest.split(END, 1)[1] if END in rest else ""
    doc.write_text(head + render(reports, flags) + tail, encoding="utf-8")
