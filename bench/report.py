# ruff: noqa: RUF001  (the page is Markdown for people: dashes, minus and times signs are meant)
"""Build ``docs/benchmarks.md`` (and plots under ``docs/img/``) from ``bench/results/*.json``.

Only reads the saved results, so the page can be rebuilt at any time without re-running anything
(``python -m bench --report-only``).
"""

from __future__ import annotations

import json
import os
import platform
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import search_report

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "benchmarks.md"
IMG = ROOT / "docs" / "img"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_results() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(RESULTS.glob("*.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            found[path.stem] = data
    return found


def leaves(data: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Scalar leaves of a JSON tree as dotted paths (lists of scalars are skipped: raw samples)."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from leaves(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(data, list):
        if all(isinstance(v, dict) for v in data) and len(data) <= 12:
            for i, value in enumerate(data):
                yield from leaves(value, f"{prefix}[{i}]")
    else:
        yield prefix, data


def is_verdict(path: str) -> bool:
    last = path.rsplit(".", 1)[-1].lower()
    return "target" in path.lower() or last in ("met", "meets", "ok") or last.startswith("meets")


def fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "**met**" if value else "**not met**"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.3g}"
    return str(value)


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(fmt(c) for c in row) + " |" for row in rows]
    return lines


# --- calls -------------------------------------------------------------------------------------


def calls_section(name: str, data: dict[str, Any], plots: list[str]) -> list[str]:
    modes = data.get("modes", {})
    peer = data.get("peer", {})
    ref = data.get("peer_reference", {})
    out = [
        f"## Calls: end of caller speech → first reply audio (`bench/results/{name}.json`)",
        "",
        f"Run {data.get('date', '?')}; load average at start {data.get('load_average_start')}, "
        f"at end {data.get('load_average_end', '–')} (after each part: "
        + "; ".join(
            [f"{m} {r.get('load_average_after')}" for m, r in modes.items()]
            + [f"long call {data.get('long_call', {}).get('load_average_after', '–')}"]
            + [f"peer {peer.get('load_average_after', '–')}"]
        )
        + ").",
        "",
        "The app runs unmodified on the local host, in process (embedded stores, faster-whisper "
        "tiny.en, eSpeak NG, the local receptionist). `CallerClient` speaks the Pipecat peer's ten "
        "caller lines (copied from its `harness.py`), synthesized by the local TTS, at real-time "
        "pace in 20 ms chunks, 10 turns per call, 0.2 s of silence after each line and then silence "
        "until the reply is done. Latency is taken at the client: the wall time at which the last "
        'loud 10 ms frame was "spoken" → arrival of the first reply audio over SignalR.',
        "",
    ]
    if data.get("note"):
        out += [f"**Note:** {data['note']}", ""]
    if not modes:  # a run of the long call alone
        return out[:4] + long_call_lines(data) + [f"![{n}](img/{n})\n" for n in plots]
    rows: list[list[Any]] = []
    for mode, r in modes.items():
        lat = r["speech_end_to_first_audio_ms"]
        rows.append([f"ReddyTalk `{mode}`", lat["n"], lat["p50"], lat["p95"], r.get("missing_replies")])
    if peer.get("ran") and peer.get("latency_ms"):
        lat = peer["latency_ms"]
        rows.append(
            [
                f"Pipecat `{peer.get('config')}` (this run)",
                lat["n"],
                lat["p50"],
                lat["p95"],
                peer.get("no_reply"),
            ]
        )
        if peer.get("floor_ms"):
            fl = peer["floor_ms"]
            rows.append(["bare-engine floor (peer, this run)", fl["n"], fl["p50"], fl["p95"], "–"])
    else:
        rows.append([f"Pipecat (did not run: {peer.get('why', '?')})", "–", "–", "–", "–"])
    for name, values in ref.items():
        rows.append([f"Pipecat reference run `{name}` (peer README)", 10, values["p50"], values["p95"], "–"])
    out += [*table(["system", "turns", "p50 ms", "p95 ms", "no reply"], rows), ""]
    if peer.get("ran") and peer.get("no_reply"):
        out += [
            f"Pipecat answered {peer['latency_ms']['n']} of {peer['latency_ms']['n'] + peer['no_reply']} "
            "utterances within its 1.5 s gap; its p50/p95 are over the answered ones only (a turn "
            "whose transcript comes after the next utterance starts counts as no reply), so they "
            "understate its latency under this load.",
            "",
        ]

    out += [
        "### Where the time goes (server `turn.done` timings, ms after the end of the caller's speech)",
        "",
        "* **end-of-turn decision → first audio** = `first_audio_ms − end_of_turn_ms`.",
        "* **STT exposed** = `min(stt_ms, max(0, stt_done_ms − end_of_turn_ms))`: the part of "
        "whisper's run the caller waits for (speculative transcription that finished before the "
        "decision costs 0).",
        "* **agent** = `first_token_ms − stt_done_ms` (the receptionist's first reply text).",
        "* **TTS first chunk** = time to the first audio chunk of eSpeak for the reply's first "
        "sentence, re-measured in the benchmark process after each turn (median of 3); the server "
        "reports only total TTS time.",
        "* **overhead** = end-of-turn → first audio − STT exposed − TTS first chunk (the brief's "
        "definition: durable orchestration, entity, storage, SignalR, the agent); "
        "**overhead without agent** also subtracts the agent time. Because the TTS first chunk "
        "is re-measured apart from the server, single turns can come out slightly negative.",
        "",
    ]
    keys = [
        ("end_of_turn_ms", "end-of-turn decision after speech end"),
        ("end_of_turn_to_first_audio_ms", "end-of-turn → first audio"),
        ("stt_exposed_ms", "STT exposed"),
        ("agent_ms", "agent"),
        ("tts_first_chunk_ms", "TTS first chunk"),
        ("overhead_ms", "overhead"),
        ("overhead_minus_agent_ms", "overhead without agent"),
    ]
    brows = []
    for key, label in keys:
        row: list[Any] = [label]
        for r in modes.values():
            s = r.get(key, {})
            row += [s.get("p50"), s.get("p95")]
        brows.append(row)
    header = ["part"] + [f"{m} {q}" for m in modes for q in ("p50", "p95")]
    out += [*table(header, brows), ""]
    if "staged" in modes:
        out += [
            "In `staged` mode the server records no STT timings (`stt_ms` and `stt_done_ms` are 0 in "
            "`turn.done`), so its STT is counted as overhead there; only the `streaming` split is "
            "meaningful.",
            "",
        ]
    if peer.get("glue_ms"):
        g = peer["glue_ms"]
        out += [
            f"Pipecat's own framework time (`glue_ms`) in this run: p50 {fmt(g['p50'])}, p95 {fmt(g['p95'])} ms.",
            "",
        ]

    out += long_call_lines(data)

    t = data.get("targets", {})
    if t:
        out += [
            "### Targets",
            "",
            f"Peer basis: {t.get('peer_basis')}; judged on mode `{t.get('best_mode')}` (the default).",
            "",
        ]
        trows = []
        for key in ("latency_p50", "latency_p95"):
            if key in t:
                trows.append(
                    [
                        f"speech end → first audio {key[-3:]} ≤ 0.85× Pipecat",
                        t[key]["target_ms"],
                        t[key]["measured_ms"],
                        t[key]["met"],
                    ]
                )
        if "overhead_p95" in t:
            trows.append(
                ["overhead p95 ≤ 15 ms", 15, t["overhead_p95"]["measured_ms"], t["overhead_p95"]["met"]]
            )
        s = t.get("streaming_vs_staged_multi_sentence")
        if s:
            trows.append(
                [
                    f"multi-sentence first audio streaming/staged ≤ 0.5 ({s['streaming_p50_ms']} / {s['staged_p50_ms']} ms)",
                    0.5,
                    s["ratio"],
                    s["met"],
                ]
            )
        lt = t.get("turn_last_vs_turn_1")
        if lt:
            trows.append(
                [
                    f"turn {lt['turns']} / turn 1 per-turn time ≤ 1.2 ({lt['last_ms']} / {lt['first_ms']} ms)",
                    1.2,
                    lt["ratio"],
                    lt["met"],
                ]
            )
        out += [*table(["target", "limit", "measured", "verdict"], trows), ""]
        mode = modes.get(t.get("best_mode", ""), {})
        eot = mode.get("end_of_turn_ms", {}).get("p50")
        stt = mode.get("stt_exposed_ms", {}).get("p50")
        if eot and "latency_p50" in t:
            out += [
                f"Budget: the end-of-turn decision alone (`END_OF_TURN_SILENCE_MS`, p50 {fmt(eot)} ms after "
                f"speech end) uses {100 * eot / t['latency_p50']['target_ms']:.0f}% of the p50 limit of "
                f"{fmt(t['latency_p50']['target_ms'])} ms; whisper not hidden by speculation adds p50 "
                f"{fmt(stt)} ms. Pipecat's `vad-0.2` waits 200 ms of silence (plus Silero's lag) instead.",
                "",
            ]
    for name in plots:
        out += [f"![{name}](img/{name})", ""]
    return out


def long_call_lines(data: dict[str, Any]) -> list[str]:
    """The orchestration-cost-per-turn part of a call benchmark."""
    out: list[str] = []
    long = data.get("long_call")
    if long:
        out += [
            f"### Orchestration cost per turn over a {long['turns']}-turn call",
            "",
            f'One call of {long["turns"]} whole utterances (`final=true`, "yes please"), reply audio '
            "unpaced (`REPLY_AUDIO_LEAD_MS=600000`) so a turn's wall time is orchestration plus "
            f"engines, not playback. Medians over the first and last {long['window']} turns.",
            "",
        ]
        h = long.get("history_events", {})
        out += table(
            ["measure", "first turns", "last turns", "ratio"],
            [
                ["client: post → turn.done (ms)", *long["client_wall_ms"].values()],
                ["client: post → first audio (ms)", *long["post_to_first_audio_ms"].values()],
                ["server: done_ms (ms)", *long["server_done_ms"].values()],
                ["durable history events in the current episode", *h.values(), "–"],
            ],
        )
        out += [""]
        blocks = long.get("block_medians_ms") or [
            round(sorted(b)[len(b) // 2], 1)
            for b in (
                long["client_wall_ms_all"][i : i + 20] for i in range(0, len(long["client_wall_ms_all"]), 20)
            )
        ]
        out += [
            "Median post → turn.done per 20-turn block (ms): " + ", ".join(fmt(b) for b in blocks) + ".",
            "",
        ]
    return out


def calls_plots(name: str, data: dict[str, Any]) -> tuple[list[str], str]:
    """PNG plots of the call benchmark; returns (file names, note)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return [], "matplotlib is not installed: no plots."
    IMG.mkdir(parents=True, exist_ok=True)
    names = []
    modes = data.get("modes", {})
    series = {
        f"ReddyTalk {m}": [r["speech_end_to_first_audio_ms"] for r in v["rows"] if not r.get("missing")]
        for m, v in modes.items()
    }
    peer_rows = data.get("peer", {}).get("latencies_ms")
    if peer_rows:
        series["Pipecat vad-0.2"] = peer_rows
    if series:
        fig, ax = plt.subplots(figsize=(7, 3.5))
        ax.boxplot(list(series.values()), showfliers=True)
        ax.set_xticks(range(1, len(series) + 1), list(series))
        ax.set_ylabel("speech end → first audio (ms)")
        ax.set_title("Call latency at the client")
        ax.grid(axis="y", alpha=0.3)
        fig.tight_layout()
        fig.savefig(IMG / f"{name}_latency.png", dpi=100)
        plt.close(fig)
        names.append(f"{name}_latency.png")
    long = data.get("long_call")
    if long:
        fig, ax = plt.subplots(figsize=(7, 3.5))
        ax.plot(range(1, len(long["client_wall_ms_all"]) + 1), long["client_wall_ms_all"], ".", ms=3)
        ax.set_xlabel("turn")
        ax.set_ylabel("post → turn.done (ms)")
        ax.set_title(f"Per-turn time over a {long['turns']}-turn call")
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(IMG / f"{name}_long.png", dpi=100)
        plt.close(fig)
        names.append(f"{name}_long.png")
    return names, ""


# --- the page ----------------------------------------------------------------------------------


def other_section(name: str, data: dict[str, Any]) -> list[str]:
    verdicts = [(p, v) for p, v in leaves(data) if is_verdict(p)]
    machine = data.get("machine")
    out = [f"## {name} (`bench/results/{name}.json`)", ""]
    when = data.get("when") or data.get("date") or data.get("measured_at")
    if when:
        out += [f"Measured {when}."]
    if isinstance(machine, dict):
        out += [
            "Machine: "
            + ", ".join(f"{k} {fmt(v)}" for k, v in machine.items() if not isinstance(v, (dict, list)))
            + "."
        ]
    out += [""]
    if verdicts:
        out += [*table(["target / verdict", "value"], [[f"`{p}`", v] for p, v in verdicts[:30]]), ""]
    peers = {k: v for k, v in data.items() if k.startswith("peer")}
    for key, value in peers.items():
        scalars = [
            (p, v) for p, v in leaves(value) if isinstance(v, (int, float)) and not isinstance(v, bool)
        ]
        if scalars:
            out += [
                f"Peer `{key}`:",
                "",
                *table(["measure", "value"], [[f"`{p}`", v] for p, v in scalars[:20]]),
                "",
            ]
    if not verdicts and not peers:
        out += ["(no targets recorded in this file; see the JSON for the measurements)", ""]
    return out


HAND_WRITTEN = re.compile(r"<!-- hand-written -->\n.*?<!-- /hand-written -->\n", re.S)


def hand_written(previous: str) -> list[str]:
    """Sections written by hand between ``<!-- hand-written -->`` markers: kept when the page is rebuilt."""
    return [line for block in HAND_WRITTEN.findall(previous) for line in block.splitlines()] + (
        [""] if HAND_WRITTEN.search(previous) else []
    )


def write(
    *,
    load_start: Sequence[float] | None = None,
    load_end: Sequence[float] | None = None,
    outcomes: dict[str, dict[str, object]] | None = None,
) -> Path:
    results = load_results()
    now = datetime.now(UTC).isoformat(timespec="seconds")
    lines = [
        "# Benchmarks",
        "",
        "Generated by `python -m bench` (`make bench`) from `bench/results/*.json`; do not edit by hand "
        "(`python -m bench --report-only` rebuilds it). `--quick` is a smoke run of a few minutes with "
        "small samples and no peers; the full run takes about an hour on 2 cores (the call benchmark "
        "alone about 25 minutes: 100 real-time turns, a 200-turn call and the Pipecat peer).",
        "",
        "## Machine",
        "",
        f"* CPUs: {os.cpu_count()} × {cpu_model()}",
        f"* Python {platform.python_version()}; page generated {now}",
        f"* load average (1/5/15 min) when this run started: {fmt_load(load_start)}; when it ended: {fmt_load(load_end)}",
        "* Other engineers run tests on this machine: each result file records its own load average where the benchmark measures it. Compare systems within one run, not across runs.",
        "",
    ]
    lines += hand_written(DOC.read_text() if DOC.exists() else "")
    if outcomes:
        lines += [
            "## This run",
            "",
            *table(
                ["benchmark", "exit", "seconds", "quick"],
                [[n, "ok" if o["ok"] else "failed", o["seconds"], o["quick"]] for n, o in outcomes.items()],
            ),
            "",
        ]
    for name, data in results.items():  # calls.json, and calls_*.json of later runs
        if name == "calls" or name.startswith("calls_"):
            plots, note = calls_plots(name, data)
            lines += calls_section(name, data, plots)
            if note:
                lines += [note, ""]
    lines += search_report.section(RESULTS / "patient_search")
    for name, data in results.items():
        if not (name == "calls" or name.startswith("calls_")):
            lines += other_section(name, data)
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text("\n".join(lines).rstrip() + "\n")
    return DOC


def fmt_load(load: Sequence[float] | None) -> str:
    return " / ".join(f"{x:.2f}" for x in load) if load else "–"
