"""Receptionist agent benchmark: time per caller turn with the local brain, guardrail cost, and the
intent classifier's training time and cross-validated accuracy.

Every development scenario (``tests/agent/scenarios*.json``: the first set and the blind batches) is replayed against a fresh embedded store
(seeded from the demo practice); the time of each ``respond`` call (guardrails, brain, tools,
store writes, audit) is recorded. Results go to ``bench/results/agent.json``.

    .venv/bin/python bench/agent_bench.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reddytalk.agent.brains.local import LocalBrain, classifier  # noqa: E402
from reddytalk.agent.evaluation import load_suite  # noqa: E402
from reddytalk.agent.guardrails import detect_emergency, detect_injection  # noqa: E402
from reddytalk.agent.receptionist import Receptionist, TurnResult  # noqa: E402
from reddytalk.agent.state import ConversationState  # noqa: E402
from reddytalk.practice.loader import load_practice_file  # noqa: E402
from reddytalk.practice.repository import seed_practice  # noqa: E402
from reddytalk.stores.documents.embedded import EmbeddedDocumentStore  # noqa: E402


def pct(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 2)


async def turn_latencies(rounds: int) -> list[float]:
    practice = load_practice_file(ROOT / "examples" / "demo-practice.json")
    now, scenarios = load_suite(ROOT / "tests" / "agent" / "scenarios.json")
    for extra in sorted((ROOT / "tests" / "agent").glob("scenarios_*.json")):
        scenarios += load_suite(extra)[1]  # the blind batches share the first set's "now"
    brain = LocalBrain()
    timings: list[float] = []
    for round_ in range(rounds):
        for scenario in scenarios:
            with tempfile.TemporaryDirectory() as folder:
                store = EmbeddedDocumentStore(Path(folder) / "d.sqlite3")
                await seed_practice(store, practice)
                r = Receptionist(
                    documents=store, brain=brain, practice_id=practice.practice.id, now=lambda: now
                )
                await r.load()
                state = ConversationState()
                for n, line in enumerate(scenario["say"]):
                    started = time.perf_counter()
                    async for event in r.respond(state, line, turn_key=f"b{round_}:{n}"):
                        if isinstance(event, TurnResult):
                            state = event.state
                    timings.append((time.perf_counter() - started) * 1000)
                await store.close()
    return timings


def cross_validated_accuracy(folds: int = 5) -> float:
    examples = classifier.read_examples()
    correct = total = 0
    for fold in range(folds):
        train = {k: [t for i, t in enumerate(v) if i % folds != fold] for k, v in examples.items()}
        test = [(k, t) for k, v in examples.items() for i, t in enumerate(v) if i % folds == fold]
        model = classifier.train(train)
        correct += sum(model.predict(t)[0] == k for k, t in test)
        total += len(test)
    return round(correct / total, 3)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    started = time.perf_counter()
    classifier.train(classifier.read_examples())
    train_ms = (time.perf_counter() - started) * 1000
    phrases = [s for sc in load_suite(ROOT / "tests" / "agent" / "scenarios.json")[1] for s in sc["say"]]
    started = time.perf_counter()
    for phrase in phrases * 20:
        detect_emergency(phrase)
        detect_injection(phrase)
    guard_us = (time.perf_counter() - started) / (len(phrases) * 20) * 1e6
    timings = asyncio.run(turn_latencies(args.rounds))
    result: dict[str, Any] = {
        "benchmark": "agent",
        "machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()},
        "local_brain_turn_ms": {
            "turns": len(timings),
            "p50": pct(timings, 50),
            "p95": pct(timings, 95),
            "max": round(max(timings), 2),
            "mean": round(statistics.fmean(timings), 2),
        },
        "guardrails_per_utterance_us": round(guard_us, 1),
        "classifier": {
            "train_ms": round(train_ms, 1),
            "cross_validated_accuracy_5fold": cross_validated_accuracy(),
        },
    }
    out = ROOT / "bench" / "results" / "agent.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
