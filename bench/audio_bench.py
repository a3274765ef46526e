"""Local speech engines and audio library benchmark.

Measures on this machine (2 cores): faster-whisper tiny.en milliseconds per utterance of 1, 3 and 8 s
and the real-time factor, the whisper floor (a 0.5 s clip: whisper pads every input to a 30 s window,
so the encoder cost is paid whatever the length), eSpeak NG time to first audio and real-time factor,
VAD microseconds per 32 ms frame (Silero ONNX and the energy fallback), end-of-turn detector cost,
resampler and μ-law throughput, and what speculative transcription saves at end of turn: a synthetic
call is played at real-time pace through the end-of-turn detector twice, once transcribing only at
``TurnEnded`` and once starting at ``SpeculativePause`` and reusing the result; the latency is from
the end of the caller's speech to the transcript being ready.

    .venv/bin/python bench/audio_bench.py [--repeats 5] [--no-realtime]

Writes ``bench/results/audio.json``. ``run()`` returns the same report for ``bench/__main__.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from audio import mulaw  # noqa: E402
from audio.endpointing import EndOfTurnDetector, EndpointConfig, SpeculativePause, SpeechResumed, TurnEnded  # noqa: E402
from audio.pcm import pcm16_bytes, to_float32  # noqa: E402
from audio.resample import resample  # noqa: E402
from audio.vad_energy import EnergyVad  # noqa: E402
from audio.vad_silero import SileroVad  # noqa: E402
from reddytalk.voice.stt.local import LocalSpeechToText  # noqa: E402
from reddytalk.voice.tts.espeak import EspeakEngine  # noqa: E402
from reddytalk.voice.tts.local import LocalTextToSpeech  # noqa: E402

RATE = 16000
CALLER = [
    "Hi, I would like to book a checkup with Dr. Patel next week.",
    "My date of birth is March third nineteen eighty five and my insurance is Aetna.",
    "Could I come in on Tuesday morning, maybe around ten thirty?",
    "Yes, that works, thank you very much.",
]
REPLY = "Thank you for calling Riverside Family Medicine. Dr. Patel can see you on Tuesday at 10:30 a.m. Does that work for you?"


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "n": len(values),
        "p50": round(statistics.median(ordered), 2),
        "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
        "min": round(ordered[0], 2),
    }


def speech(text: str) -> np.ndarray:
    engine = EspeakEngine.shared()
    raw = resample(engine.synthesize(text, voice="en-us", rate_wpm=170), engine.sample_rate, RATE)
    loud = np.flatnonzero(np.abs(raw.astype(np.int32)) > 64)
    return raw[loud[0] : loud[-1] + 1]


def clip_of(seconds: float) -> np.ndarray:
    """Real speech cut to exactly ``seconds`` (caller phrases strung together)."""
    joined = np.concatenate([np.concatenate([speech(t), np.zeros(RATE // 5, np.int16)]) for t in CALLER])
    while joined.size < seconds * RATE:
        joined = np.concatenate([joined, joined])
    return joined[: round(seconds * RATE)]


async def bench_stt(stt: LocalSpeechToText, repeats: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for seconds in (0.5, 1.0, 3.0, 8.0):
        pcm = pcm16_bytes(clip_of(seconds))
        await stt.transcribe(pcm)  # warm this shape
        times, cpu = [], []
        for _ in range(repeats):
            started, cpu_started = time.perf_counter(), time.process_time()
            await stt.transcribe(pcm)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
        stats: dict[str, Any] = summary(times)
        stats["rtf"] = round(stats["p50"] / 1000 / seconds, 3)
        # CPU time of the process (both whisper threads): the work itself, whatever else the machine runs
        stats["cpu_ms_p50"] = round(statistics.median(cpu), 1)
        out[f"{seconds:g}s_ms"] = stats
    floor = out.pop("0.5s_ms")
    out["whisper_floor_ms"] = floor["p50"]
    out["whisper_floor_cpu_ms"] = floor["cpu_ms_p50"]
    return out


async def bench_tts(repeats: int) -> dict[str, Any]:
    tts = LocalTextToSpeech()
    firsts, totals, seconds = [], [], 0.0
    for _ in range(repeats):
        started = time.perf_counter()
        first = None
        total_bytes = 0
        async for chunk in tts.synthesize(REPLY):
            first = first if first is not None else time.perf_counter() - started
            total_bytes += len(chunk)
        totals.append(time.perf_counter() - started)
        firsts.append((first or 0.0) * 1000)
        seconds = total_bytes / 2 / RATE
    return {
        "text_chars": len(REPLY),
        "audio_seconds": round(seconds, 2),
        "first_audio_ms": summary(firsts),
        "total_ms": summary([t * 1000 for t in totals]),
        "rtf": round(statistics.median(totals) / seconds, 4),
    }


def bench_vad(frames: int = 3000) -> dict[str, Any]:
    audio = to_float32(np.concatenate([clip_of(8.0)] * 3)[: frames * 512])
    out: dict[str, Any] = {}
    vads: tuple[tuple[str, SileroVad | EnergyVad], ...] = (
        ("silero_us_per_frame", SileroVad()),
        ("energy_us_per_frame", EnergyVad()),
    )
    for name, vad in vads:
        started = time.perf_counter()
        for i in range(0, audio.size - 511, 512):
            vad.process(audio[i : i + 512])
        out[name] = round((time.perf_counter() - started) / (audio.size // 512) * 1e6, 1)
    pcm = (audio * 32767).astype(np.int16)
    detector = EndOfTurnDetector(SileroVad())
    started = time.perf_counter()
    for i in range(0, pcm.size, 320):
        detector.push(pcm[i : i + 320])
    out["end_of_turn_detector_us_per_frame"] = round(
        (time.perf_counter() - started) / (pcm.size // 512) * 1e6, 1
    )
    out["frame_ms"] = 32
    return out


def bench_codecs() -> dict[str, Any]:
    rng = np.random.default_rng(0)
    minute = (rng.standard_normal(60 * 22050) * 3000).astype(np.int16)
    out: dict[str, Any] = {}
    for src, dst in ((22050, 16000), (8000, 16000), (16000, 8000), (16000, 24000)):
        audio = minute[: 60 * src]
        started = time.perf_counter()
        resample(audio, src, dst)
        elapsed = time.perf_counter() - started
        out[f"resample_{src}_to_{dst}_x_realtime"] = round(60 / elapsed)
    audio = minute[: 60 * 8000]
    started = time.perf_counter()
    codes = mulaw.encode(audio)
    mulaw.decode(codes)
    out["mulaw_encode_decode_x_realtime_8k"] = round(60 / (time.perf_counter() - started))
    return out


async def play_call(stt: LocalSpeechToText, *, speculative: bool) -> list[float]:
    """Play a call in real time; per turn: ms from end of caller speech to transcript ready."""
    silence = np.zeros(RATE, np.int16)
    parts: list[np.ndarray] = [silence]
    for text in CALLER:
        parts += [speech(text), np.zeros(round(1.5 * RATE), np.int16)]
    audio = np.concatenate(parts)
    config = EndpointConfig(speculative_pause_ms=200, end_of_turn_ms=500)
    detector = EndOfTurnDetector(SileroVad(), config)
    t0 = time.perf_counter()
    step = 320  # 20 ms frames, as a phone or browser sends them
    spec: tuple[int, int, asyncio.Task[Any]] | None = None
    latencies: list[float] = []
    pending: list[asyncio.Task[None]] = []

    async def finish(end_sample: int, task: asyncio.Task[Any]) -> None:
        await task
        speech_end_wall = t0 + end_sample / RATE
        latencies.append((time.perf_counter() - speech_end_wall) * 1000)

    for k in range(0, audio.size, step):
        delay = t0 + (k + step) / RATE - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        for event in detector.push(audio[k : k + step]):
            if isinstance(event, SpeculativePause) and speculative:
                task = asyncio.create_task(stt.transcribe(pcm16_bytes(event.audio)))
                spec = (event.start, event.end, task)
            elif isinstance(event, SpeechResumed):
                spec = None
            elif isinstance(event, TurnEnded):
                if spec is not None and spec[:2] == (event.start, event.end):
                    task = spec[2]
                else:
                    task = asyncio.create_task(stt.transcribe(pcm16_bytes(event.audio)))
                spec = None
                pending.append(asyncio.create_task(finish(event.end, task)))
    await asyncio.gather(*pending)
    return latencies


async def bench_speculation(stt: LocalSpeechToText, rounds: int) -> dict[str, Any]:
    """Alternate plain and speculative plays of the same call, so load changes hit both alike."""
    plain: list[float] = []
    spec: list[float] = []
    for _ in range(rounds):
        plain += await play_call(stt, speculative=False)
        spec += await play_call(stt, speculative=True)
    return {
        "end_of_turn_silence_ms": 500,
        "speculative_pause_ms": 200,
        "turns": len(plain),
        "speech_end_to_transcript_ms_without_speculation": summary(plain),
        "speech_end_to_transcript_ms_with_speculation": summary(spec),
        "saved_ms_p50": round(statistics.median(plain) - statistics.median(spec), 1),
        "expected_saving_ms": "min(STT time, end_of_turn - speculative_pause) = up to 300",
    }


async def run(repeats: int = 5, realtime: bool = True, rounds: int = 2) -> dict[str, Any]:
    stt = LocalSpeechToText()
    load_started = time.perf_counter()
    stt.warm_up()
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    results: dict[str, Any] = {"whisper_load_ms": round((time.perf_counter() - load_started) * 1000)}
    results["stt_local_tiny_en"] = await bench_stt(stt, repeats)
    results["tts_local_espeak"] = await bench_tts(repeats * 4)
    results["vad"] = bench_vad()
    results["codecs"] = bench_codecs()
    if realtime:
        results["speculative_transcription"] = await bench_speculation(stt, rounds)
    return {
        "benchmark": "audio",
        "what": "local engines (faster-whisper tiny.en int8 2 threads, eSpeak NG, Silero v6 ONNX) and audio/",
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_at_start": load_at_start,
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "results": results,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-realtime", action="store_true", help="skip the real-time speculation run")
    parser.add_argument("--rounds", type=int, default=2, help="plays of the call per mode (alternating)")
    args = parser.parse_args(argv)
    report = asyncio.run(run(args.repeats, realtime=not args.no_realtime, rounds=args.rounds))
    out = ROOT / "bench" / "results" / "audio.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
