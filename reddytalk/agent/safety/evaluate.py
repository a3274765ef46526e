"""Measure the emergency detector on a labelled set: recall on red flags, false alarms on ordinary speech.

``python -m reddytalk.agent.safety.evaluate --red-flags tests/agent/safety/red_flags.txt --ordinary
tests/agent/safety/ordinary.txt [--show] [--timing]`` prints recall, the false-alarm rate and, with
``--timing``, the detector's time per utterance (p50 / p95). Files hold one utterance per line;
blank lines and lines starting with ``#`` are skipped; a tab-separated line keeps its last field
(so a "category<TAB>utterance" file works too). The same functions back the dev-set test, so the
figures in docs/red-flags.md and the test cannot disagree.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from reddytalk.agent.safety.detector import detect


def read_set(path: str | Path) -> list[str]:
    """The utterances of a one-per-line file (comments and blanks skipped)."""
    out: list[str] = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if text and not text.startswith("#"):
            out.append(text.split("\t")[-1].strip())
    return out


@dataclass
class Report:
    red_flags: int = 0
    caught: int = 0
    ordinary: int = 0
    false_alarms: int = 0
    missed: list[str] = field(default_factory=list)
    alarmed: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.caught / self.red_flags if self.red_flags else 1.0

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.ordinary if self.ordinary else 0.0

    def summary(self) -> dict[str, object]:
        return {
            "red_flags": self.red_flags,
            "recall": round(self.recall, 4),
            "ordinary": self.ordinary,
            "false_alarms": self.false_alarms,
            "false_alarm_rate": round(self.false_alarm_rate, 4),
        }


def evaluate(red_flags: list[str], ordinary: list[str]) -> Report:
    report = Report(red_flags=len(red_flags), ordinary=len(ordinary))
    for text in red_flags:
        if detect(text) is not None:
            report.caught += 1
        else:
            report.missed.append(text)
    for text in ordinary:
        if detect(text) is not None:
            report.false_alarms += 1
            report.alarmed.append(text)
    return report


def timing(utterances: list[str], rounds: int = 5) -> dict[str, float]:
    """Detector time per utterance in milliseconds (catalogue already loaded; first call warms caches)."""
    for text in utterances:
        detect(text)
    samples: list[float] = []
    for _ in range(rounds):
        for text in utterances:
            start = time.perf_counter()
            detect(text)
            samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 3),
        "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 3),
        "max_ms": round(samples[-1], 3),
        "samples": len(samples),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--red-flags", required=True)
    parser.add_argument("--ordinary", required=True)
    parser.add_argument("--show", action="store_true", help="list missed red flags and false alarms")
    parser.add_argument("--timing", action="store_true", help="also time the detector per utterance")
    args = parser.parse_args(argv)
    flags, ordinary = read_set(args.red_flags), read_set(args.ordinary)
    report = evaluate(flags, ordinary)
    result: dict[str, object] = report.summary()
    if args.timing:
        result["timing"] = timing(flags + ordinary)
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    if args.show:
        for text in report.missed:
            sys.stdout.write(f"MISSED      {text}\n")
        for text in report.alarmed:
            sys.stdout.write(f"FALSE ALARM {text}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
