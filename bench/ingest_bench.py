"""Audio intake benchmark: what keeping intake state in the document store costs per chunk.

Per chunk (p50/p95 ms) on the embedded stores, with real Silero VAD, for a caller's speech (eSpeak
lines with a second of silence after each) cut into 20 ms chunks:

- ``feed_only``: the end-of-turn detector alone on the chunk (what an in-memory intake does, less I/O);
- ``chunk_blob_put``: storing the chunk (as before: the in-memory intake stored chunks too);
- ``record_roundtrip``: read the intake record and replace it with its ETag;
- ``one_process``: ``AudioIngest.accept`` with every chunk to one instance (cache hits);
- ``two_processes``: chunks alternating between two instances sharing the stores (each chunk also
  catches the other instance's detector up on one stored chunk);
- ``cold_rebuild``: a new process's first chunk of a call already ``--seconds`` long (replays it).

Speculative transcription is switched off (a pause ≥ end of turn) so the recogniser's CPU does not
colour the per-chunk times: it runs as a background task either way.

    PYTHONPATH=$PWD .venv/bin/python bench/ingest_bench.py [--seconds 60]

Writes ``bench/results/ingest.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from reddytalk.calls.contracts import Call  # noqa: E402
from reddytalk.calls.ingest import AudioIngest, SessionStream  # noqa: E402
from reddytalk.calls.intake_record import IntakeRecords  # noqa: E402
from reddytalk.calls.records import CallRecords  # noqa: E402
from reddytalk.services import Services  # noqa: E402
from reddytalk.settings import Settings  # noqa: E402
from reddytalk.voice.tts.local import LocalTextToSpeech  # noqa: E402

CHUNK = 640  # 20 ms of PCM16 at 16 kHz
LINES = ["I need to make an appointment", "my name is Maria Gonzalez, born March 12 1984", "yes please"]


def summary(samples_s: list[float]) -> dict[str, float]:
    ms = sorted(s * 1e3 for s in samples_s)
    return {
        "n": len(ms),
        "p50_ms": round(statistics.median(ms), 3),
        "p95_ms": round(ms[int(len(ms) * 0.95) - 1], 3),
        "max_ms": round(ms[-1], 3),
    }


def services(folder: str) -> Services:
    return Services(
        Settings(
            documents_connection=f"UseEmbeddedStorage=true;Path={folder}/documents.sqlite3",
            blobs_connection=f"UseEmbeddedStorage=true;Path={folder}/blobs",
            speculative_pause_ms=500,
            end_of_turn_silence_ms=500,
        )
    )


async def caller_audio(seconds: float) -> bytes:
    tts = LocalTextToSpeech()
    lines = [b"".join([c async for c in tts.synthesize(line)]) + bytes(32000) for line in LINES]
    audio = b""
    while len(audio) < seconds * 32000:
        audio += lines[len(audio) % len(lines)]
    return audio[: int(seconds * 32000) // CHUNK * CHUNK]


async def session(svc: Services, sid: str) -> dict[str, Any]:
    call = Call(session_id=sid, practice_id="bench")
    return await CallRecords(svc.documents).create_session(call, call_id=None, token_hash="x")


async def run(seconds: float) -> dict[str, Any]:
    pcm = await caller_audio(seconds)
    chunks = [pcm[i : i + CHUNK] for i in range(0, len(pcm), CHUNK)]
    results: dict[str, Any] = {"chunks": len(chunks), "chunk_ms": CHUNK // 32}
    with tempfile.TemporaryDirectory() as folder:
        one, two = services(folder), services(folder)
        try:
            ref = AudioIngest(one)
            doc = await session(one, "feed")
            stream = SessionStream(doc, ref.config)
            samples = []
            for seq, chunk in enumerate(chunks):
                started = time.perf_counter()
                stream.feed(seq, chunk, 0)
                samples.append(time.perf_counter() - started)
            results["feed_only"] = summary(samples)

            samples = []
            for seq, chunk in enumerate(chunks[: len(chunks) // 4]):
                started = time.perf_counter()
                await one.blobs.put(ref.container, f"put/{seq:08d}.pcm", chunk)
                samples.append(time.perf_counter() - started)
            results["chunk_blob_put"] = summary(samples)

            records = IntakeRecords(one.documents)
            doc = await session(one, "record")
            samples = []
            for _ in range(len(chunks) // 4):
                started = time.perf_counter()
                record = await records.load(doc)
                record.next_seq += 1
                await records.save(record)
                samples.append(time.perf_counter() - started)
            results["record_roundtrip"] = summary(samples)

            for name, workers in (
                ("one_process", [AudioIngest(one)]),
                ("two_processes", [AudioIngest(one), AudioIngest(two)]),
            ):
                doc = await session(one, name)
                samples, utterances = [], 0
                for seq, chunk in enumerate(chunks):
                    started = time.perf_counter()
                    accepted = await workers[seq % len(workers)].accept(doc, seq, chunk)
                    samples.append(time.perf_counter() - started)
                    utterances += len(accepted.utterances)
                results[name] = {**summary(samples), "utterances": utterances}

            cold = AudioIngest(two)
            started = time.perf_counter()
            finished = await CallRecords(one.documents).session("bench", "one_process")
            await cold.accept(finished, len(chunks), chunks[0])  # a new process joins a long call
            results["cold_rebuild"] = {
                "call_seconds": round(len(pcm) / 32000, 1),
                "ms": round((time.perf_counter() - started) * 1e3, 1),
            }
        finally:
            await one.aclose()
            await two.aclose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    load_start = os.getloadavg()
    results = asyncio.run(run(args.seconds))
    report = {
        "benchmark": "ingest",
        "what": "per-chunk cost of audio intake with its state in the document store (embedded stores)",
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_avg_start": load_start,
            "load_avg_end": os.getloadavg(),
        },
        "results": results,
    }
    out = ROOT / "bench" / "results" / "ingest.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
