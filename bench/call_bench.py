"""Call latency: end of caller speech -> first reply audio, ReddyTalk vs the Pipecat peer.

The app runs unmodified on the local host in this process (embedded stores, faster-whisper,
eSpeak). A ``CallerClient`` speaks the Pipecat peer's ten caller lines at real-time pace, 20 ms
of audio per 20 ms of wall time, and times the reply's first audio on its own clock. Both turn
modes are measured; the server's ``turn.done`` timings split the latency into engine time and
overhead. A 200-turn call of whole utterances measures how the orchestration cost grows with the
call. The Pipecat peer (``../shared/peers/pipecat``) runs in the same invocation.

Writes ``bench/results/calls.json``. ``run()`` returns the same report for ``bench/__main__.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "calls"))

from callkit import Voice, host_env, seed, start_host  # noqa: E402

from reddytalk.client.caller import CallerClient, HeardTurn  # noqa: E402
from reddytalk.services import close_services  # noqa: E402
from reddytalk.voice.tts.local import LocalTextToSpeech  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "calls.json"
PEER = ROOT.parent / "shared" / "peers" / "pipecat"
# The Pipecat peer's reference run on this machine (peers/pipecat/README.md, results/run.txt).
PEER_REFERENCE = {"vad-0.2": {"p50": 719, "p95": 862}, "floor": {"p50": 499, "p95": 588}}

# Copied verbatim from ../shared/peers/pipecat/harness.py (CALLER, WARMUP) so both systems hear
# the same ten utterances.
CALLER = [
    "I'd like to book an appointment for next Tuesday.",
    "My name is Maria Garcia.",
    "My date of birth is March third nineteen eighty five.",
    "Do you have anything in the morning?",
    "I need to cancel my appointment on Friday.",
    "Can I speak to doctor Patel please?",
    "I have had a headache for three days.",
    "Is the clinic open on Saturday?",
    "My phone number is five five five one two three four.",
    "Thank you very much for your help.",
]
WARMUP = "Hello, is this the clinic?"
SHORT_LINE = "yes please"
CHUNK_MS = 20  # the peer pushes 20 ms frames; so do we
GAP_S = 0.2  # silence after the caller's speech before the client waits for the reply


def pct(values: list[float], q: float) -> float | None:
    """Nearest-rank-interpolated percentile (the same ``statistics.quantiles`` method everywhere)."""
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 1)
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return round(cuts[int(q) - 1], 1)


def summary(values: list[float]) -> dict[str, Any]:
    return {"n": len(values), "p50": pct(values, 50), "p95": pct(values, 95)}


def sentences(text: str) -> int:
    return len([s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s])


def first_sentence(text: str) -> str:
    parts = re.split(r"(?<=[.!?])\s+", text.strip())
    return parts[0] if parts else text


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


class TtsFirstChunk:
    """Time to the first audio chunk of the local TTS for a sentence, measured in this process."""

    def __init__(self) -> None:
        self.tts = LocalTextToSpeech()
        self.cache: dict[str, float] = {}

    async def __call__(self, sentence: str) -> float:
        if sentence not in self.cache:
            samples = []
            for _ in range(3):
                started = time.perf_counter()
                async for chunk in self.tts.synthesize(sentence):
                    if chunk:
                        samples.append((time.perf_counter() - started) * 1000)
                        break
            self.cache[sentence] = statistics.median(samples)
        return self.cache[sentence]


def breakdown(turn: HeardTurn, tts_first_ms: float) -> dict[str, Any]:
    """One turn's client latency and the server's split of it (see docs/benchmarks.md)."""
    assert turn.done is not None
    t = turn.done["timings_ms"]
    # STT compute the caller waits for: the part of whisper's run after the end-of-turn decision.
    stt_exposed = min(t["stt_ms"], max(0.0, t["stt_done_ms"] - t["end_of_turn_ms"]))
    eot_to_audio = t["first_audio_ms"] - t["end_of_turn_ms"]
    return {
        "turn": turn.turn,
        "heard": turn.heard,
        "reply_sentences": sentences(turn.done.get("reply", "")),
        "speech_end_to_first_audio_ms": turn.speech_end_to_first_audio_ms,
        "end_of_turn_to_first_audio_ms": round(eot_to_audio, 1),
        "stt_exposed_ms": round(stt_exposed, 1),
        "agent_ms": round(max(0.0, t["first_token_ms"] - t["stt_done_ms"]), 1),
        "tts_first_chunk_ms": round(tts_first_ms, 1),
        "overhead_ms": round(eot_to_audio - stt_exposed - tts_first_ms, 1),
        "overhead_minus_agent_ms": round(
            eot_to_audio - stt_exposed - tts_first_ms - max(0.0, t["first_token_ms"] - t["stt_done_ms"]), 1
        ),
        "timings_ms": t,
    }


async def play_calls(base_url: str, practice_id: str, voice: Voice, turns: int) -> list[dict[str, Any]]:
    """Speak ``turns`` caller lines (cycling the peer's ten), ten per call, at real-time pace."""
    tts_first = TtsFirstChunk()
    rows: list[dict[str, Any]] = []
    silence = bytes(16000 * 2 * int(GAP_S * 1000) // 1000)
    done = 0
    while done < turns:
        async with CallerClient(base_url, chunk_ms=CHUNK_MS, realtime=True) as caller:
            await caller.start(practice_id, consent=True)
            await caller.wait_greeting()
            # No warm-up turn: the peer's warm-up line is heard as a goodbye and ends the call.
            # Engines are warm already (the greeting was spoken; earlier calls ran).
            for i in range(min(10, turns - done)):
                if caller.ended is not None:
                    break
                pcm = await voice(CALLER[i])
                turn = await caller.say(pcm + silence)
                if turn.done is None or turn.first_audio_at is None:
                    rows.append({"turn": turn.turn, "missing": True})
                    continue
                first = first_sentence(turn.done.get("reply", ""))
                row = breakdown(turn, await tts_first(first))
                row["line"] = i
                rows.append(row)
            done += min(10, turns - done)
            await hang_up(caller)
    return rows


async def hang_up(caller: CallerClient) -> None:
    """End the call unless the receptionist already did (a thank-you can close it)."""
    if caller.ended is not None:
        return
    try:
        await caller.hang_up()
    except httpx.HTTPStatusError as exc:
        if exc.response.status_code != 409:
            raise


def mode_report(rows: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in rows if not r.get("missing")]
    multi = [r for r in ok if r["reply_sentences"] >= 2]
    col = lambda rs, k: [float(r[k]) for r in rs]  # noqa: E731
    return {
        "turns": len(rows),
        "missing_replies": len(rows) - len(ok),
        "speech_end_to_first_audio_ms": summary(col(ok, "speech_end_to_first_audio_ms")),
        "end_of_turn_to_first_audio_ms": summary(col(ok, "end_of_turn_to_first_audio_ms")),
        "overhead_ms": summary(col(ok, "overhead_ms")),
        "overhead_minus_agent_ms": summary(col(ok, "overhead_minus_agent_ms")),
        "stt_exposed_ms": summary(col(ok, "stt_exposed_ms")),
        "agent_ms": summary(col(ok, "agent_ms")),
        "tts_first_chunk_ms": summary(col(ok, "tts_first_chunk_ms")),
        "end_of_turn_ms": summary([float(r["timings_ms"]["end_of_turn_ms"]) for r in ok]),
        "speculative_share": round(sum(r["timings_ms"]["stt_speculative"] for r in ok) / max(1, len(ok)), 3),
        "multi_sentence": {
            "turns": len(multi),
            "server_first_audio_ms": summary([float(r["timings_ms"]["first_audio_ms"]) for r in multi]),
            "client_first_audio_ms": summary(col(multi, "speech_end_to_first_audio_ms")),
        },
        "rows": rows,
    }


async def history_events(base_url: str, system_key: str, instance_id: str) -> int | None:
    """Events in the call orchestration's current episode (management API, showHistory)."""
    headers = {"x-functions-key": system_key}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30) as http:
        r = await http.get(
            f"/runtime/webhooks/durabletask/instances/{instance_id}", params={"showHistory": "true"}
        )
        if r.status_code not in (200, 202):  # 202: the instance is still running
            return None
        history = r.json().get("historyEvents")
        return len(history) if isinstance(history, list) else None


async def long_call(
    base_url: str, system_key: str, practice_id: str, voice: Voice, turns: int
) -> dict[str, Any]:
    """One ``turns``-turn call of whole utterances (``final=true``); per-turn cost at start vs end."""
    pcm = await voice(SHORT_LINE)
    server_done: list[float] = []
    client_wall: list[float] = []
    client_first_audio: list[float] = []
    history: dict[int, int | None] = {}
    async with CallerClient(base_url, chunk_ms=CHUNK_MS, realtime=False) as caller:
        await caller.start(practice_id, consent=True)
        await caller.wait_greeting()
        for n in range(1, turns + 1):
            turn = caller.turn(n)
            seq, caller._seq = caller._seq, caller._seq + 1
            started, posted_at = time.perf_counter(), time.time()
            response = await caller.http.post(
                f"/api/voice/sessions/{caller.session_id}/audio",
                params={"seq": seq, "final": "true"},
                content=pcm,
                headers={"X-Session-Token": caller.token, "Content-Type": "application/octet-stream"},
            )
            response.raise_for_status()
            await asyncio.wait_for(turn.done_event.wait(), 60)
            client_wall.append((time.perf_counter() - started) * 1000)
            if turn.first_audio_at is not None:
                client_first_audio.append((turn.first_audio_at - posted_at) * 1000)
            assert turn.done is not None
            server_done.append(float(turn.done["timings_ms"]["done_ms"]))
            if n in (1, turns):
                history[n] = await history_events(base_url, system_key, caller.session_id)
        await hang_up(caller)
    window = max(1, min(10, turns // 10))
    first = statistics.median(client_fa[:window]) if (client_fa := client_first_audio) else 0.0
    last = statistics.median(client_fa[-window:]) if client_fa else 0.0
    first_w = statistics.median(client_wall[:window])
    last_w = statistics.median(client_wall[-window:])
    first_s = statistics.median(server_done[:window])
    last_s = statistics.median(server_done[-window:])
    return {
        "turns": turns,
        "window": window,
        "post_to_first_audio_ms": {
            "first": round(first, 1),
            "last": round(last, 1),
            "ratio": round(last / first, 3) if first else None,
        },
        "client_wall_ms": {
            "first": round(first_w, 1),
            "last": round(last_w, 1),
            "ratio": round(last_w / first_w, 3),
        },
        "server_done_ms": {
            "first": round(first_s, 1),
            "last": round(last_s, 1),
            "ratio": round(last_s / first_s, 3) if first_s else None,
        },
        "history_events": {"turn_1": history.get(1), f"turn_{turns}": history.get(turns)},
        # Medians of 20-turn blocks: a growing cost is a trend, a load spike from elsewhere is a step.
        "block_medians_ms": [
            round(statistics.median(client_wall[i : i + 20]), 1) for i in range(0, len(client_wall), 20)
        ],
        "client_wall_ms_all": [round(x, 1) for x in client_wall],
        "post_to_first_audio_ms_all": [round(x, 1) for x in client_first_audio],
        "server_done_ms_all": [round(x, 1) for x in server_done],
    }


def run_mode_rows(mode: str, turns: int, voice: Voice) -> list[dict[str, Any]]:
    state = Path(tempfile.mkdtemp(prefix=f"call-bench-{mode}-"))
    try:
        practice_id = seed(state)
        handle = start_host(state, host_env(state, TURN_MODE=mode, IDLE_TIMEOUT_SECONDS="30"))
        try:
            rows: list[dict[str, Any]] = handle.run(
                play_calls(handle.base_url, practice_id, voice, turns), timeout=3600
            )
        finally:
            handle.run(close_services())
            handle.stop()
        return rows
    finally:
        shutil.rmtree(state, ignore_errors=True)


def run_long(turns: int, voice: Voice) -> dict[str, Any]:
    state = Path(tempfile.mkdtemp(prefix="call-bench-long-"))
    try:
        practice_id = seed(state)
        # Reply audio unpaced (lead 10 min): the per-turn wall time is then orchestration + engines,
        # not the reply's playback length.
        handle = start_host(state, host_env(state, IDLE_TIMEOUT_SECONDS="60", REPLY_AUDIO_LEAD_MS="600000"))
        try:
            run = long_call(handle.base_url, handle.system_key, practice_id, voice, turns)
            return handle.run(run, timeout=3600)
        finally:
            handle.run(close_services())
            handle.stop()
    finally:
        shutil.rmtree(state, ignore_errors=True)


def run_peer(config: str = "vad-0.2") -> dict[str, Any]:
    """Run the Pipecat peer (own venv in the temp dir) and return its numbers for ``config``."""
    out = Path(tempfile.mkdtemp(prefix="peer-pipecat-")) / "results.json"
    started = time.time()
    try:
        proc = subprocess.run(
            ["bash", str(PEER / "run.sh"), "--configs", config, "--out", str(out)],
            capture_output=True,
            text=True,
            timeout=1200,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"ran": False, "why": f"{type(exc).__name__}: {exc}"}
    if proc.returncode != 0 or not out.exists():
        return {"ran": False, "why": f"exit {proc.returncode}: {proc.stderr[-800:]}"}
    return {
        "ran": True,
        "seconds": round(time.time() - started, 1),
        **peer_numbers(json.loads(out.read_text()), config),
    }


def peer_numbers(data: dict[str, Any], config: str) -> dict[str, Any]:
    """p50/p95 of the peer's per-utterance latencies (same percentile method as ours)."""
    found: dict[str, Any] = {"config": config}
    runs = data.get("configs") or data.get("runs") or {}
    entry = runs.get(config) if isinstance(runs, dict) else None
    if entry is None and isinstance(runs, list):
        entry = next((r for r in runs if r.get("name") == config), None)
    if entry:
        rows = [r for r in entry.get("rows", []) if r.get("measured")]
        lat = [float(r["latency_ms"]) for r in rows if r.get("latency_ms") is not None]
        found.update(latency_ms=summary(lat), no_reply=len(rows) - len(lat), latencies_ms=lat)
        found["glue_ms"] = summary([float(r["glue_ms"]) for r in rows if r.get("glue_ms") is not None])
    floor = data.get("floor")
    if floor:
        found["floor_ms"] = summary([float(r["floor_ms"]) for r in floor.get("rows", [])])
    return found


def targets(report: dict[str, Any]) -> dict[str, Any]:
    peer = report.get("peer", {})
    peer_lat = peer.get("latency_ms") if peer.get("ran") else None
    basis = "same run" if peer_lat else "reference run (peer did not run here)"
    ref = peer_lat or PEER_REFERENCE["vad-0.2"]
    modes = report["modes"]
    # Judged on the default turn mode (streaming); the other mode's numbers are in the report.
    best_mode = "streaming" if "streaming" in modes else next(iter(modes))
    ours = modes[best_mode]["speech_end_to_first_audio_ms"]
    out: dict[str, Any] = {"peer_basis": basis, "best_mode": best_mode}
    for q in ("p50", "p95"):
        limit = round(0.85 * ref[q], 1)
        out[f"latency_{q}"] = {
            "target_ms": limit,
            "measured_ms": ours[q],
            "met": ours[q] is not None and ours[q] <= limit,
        }
    over = modes.get("streaming", modes[best_mode])["overhead_ms"]["p95"]
    out["overhead_p95"] = {"target_ms": 15, "measured_ms": over, "met": over is not None and over <= 15}
    if "streaming" in modes and "staged" in modes:
        s = modes["streaming"]["multi_sentence"]["server_first_audio_ms"]["p50"]
        g = modes["staged"]["multi_sentence"]["server_first_audio_ms"]["p50"]
        ratio = round(s / g, 3) if s and g else None
        out["streaming_vs_staged_multi_sentence"] = {
            "target_ratio": 0.5,
            "streaming_p50_ms": s,
            "staged_p50_ms": g,
            "ratio": ratio,
            "met": ratio is not None and ratio <= 0.5,
        }
    if "long_call" in report:
        long = report["long_call"]
        ratio = long["client_wall_ms"]["ratio"]
        events = long["history_events"]
        out["turn_last_vs_turn_1"] = {
            "target_ratio": 1.2,
            "turns": long["turns"],
            "ratio": ratio,
            "first_ms": long["client_wall_ms"]["first"],
            "last_ms": long["client_wall_ms"]["last"],
            "post_to_first_audio_ratio": long["post_to_first_audio_ms"]["ratio"],
            "history_events": events,
            "met": ratio <= 1.2,
        }
    return out


def run(
    turns: int = 50,
    long_turns: int = 200,
    peer: bool = True,
    modes: tuple[str, ...] = ("streaming", "staged"),
    out: Path = RESULTS,
    interleave: bool = False,
) -> dict[str, Any]:
    """Run everything, write ``bench/results/calls.json``, return the report."""
    report: dict[str, Any] = {
        "benchmark": "calls",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "load_average_start": load_average(),
        "settings": {
            "turns_per_mode": turns,
            "chunk_ms": CHUNK_MS,
            "realtime": True,
            "gap_s": GAP_S,
            "interleaved_modes": interleave,
        },
        "modes": {},
        "peer_reference": PEER_REFERENCE,
    }
    # The peer first, so a run cut short still has both systems measured.
    if peer:
        report["peer"] = run_peer()
        report["peer"]["load_average_after"] = load_average()
        save(report, out)
    else:
        report["peer"] = {"ran": False, "why": "skipped (--no-peer / --quick)"}
    voice = Voice()
    if interleave:
        # One call per mode in turn, so both modes see the same machine load.
        rows: dict[str, list[dict[str, Any]]] = {mode: [] for mode in modes}
        while any(len(r) < turns for r in rows.values()):
            for mode in modes:
                if len(rows[mode]) < turns:
                    rows[mode] += run_mode_rows(mode, min(10, turns - len(rows[mode])), voice)
                    report["modes"][mode] = mode_report(rows[mode])
                    report["modes"][mode]["load_average_after"] = load_average()
                    save(report, out)
    else:
        for mode in modes:
            report["modes"][mode] = mode_report(run_mode_rows(mode, turns, voice))
            report["modes"][mode]["load_average_after"] = load_average()
            save(report, out)
    if long_turns:
        report["long_call"] = run_long(long_turns, voice)
        report["long_call"]["load_average_after"] = load_average()
        save(report, out)
    report["load_average_end"] = load_average()
    save(report, out)
    return report


def save(report: dict[str, Any], out: Path = RESULTS) -> None:
    """Write the report so far (a long run that is cut short still leaves its finished parts)."""
    if report["modes"]:
        report["targets"] = targets(report)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--turns", type=int, default=50, help="measured turns per mode")
    parser.add_argument("--long-turns", type=int, default=200, help="turns of the long call (0: skip)")
    parser.add_argument("--no-peer", action="store_true", help="skip the Pipecat peer run")
    parser.add_argument("--modes", default="streaming,staged")
    parser.add_argument(
        "--interleave", action="store_true", help="alternate modes call by call (same load for both)"
    )
    parser.add_argument("--quick", action="store_true", help="10 turns per mode, 40-turn call, no peer")
    parser.add_argument(
        "--out", type=Path, default=RESULTS, help="results file (a second run keeps the first)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.turns, args.long_turns, args.no_peer = 10, 40, True
    report = run(
        args.turns, args.long_turns, not args.no_peer, tuple(args.modes.split(",")), args.out, args.interleave
    )
    print(json.dumps(report["targets"], indent=2))


if __name__ == "__main__":
    main()
