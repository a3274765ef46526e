"""``reddytalk stt FILE.wav [--json]``: transcribe a WAV file with the configured STT provider."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

from reddytalk.errors import ReddyTalkError

MAX_FILE_BYTES = 64 * 1024 * 1024


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("stt", help="transcribe a WAV file")
    parser.add_argument("file", help="WAV file (PCM16 or μ-law, mono or stereo, 8-48 kHz)")
    parser.add_argument("--json", action="store_true", help="print transcript, audio_seconds, processing_ms")
    parser.add_argument("--hint", action="append", default=[], help="phrase to favour, e.g. a doctor's name")
    parser.set_defaults(func=run)


async def _transcribe(data: bytes, hints: list[str]) -> tuple[str, float, float]:
    from audio.pcm import pcm16_bytes
    from reddytalk.settings import get_settings
    from reddytalk.voice.factory import build_stt
    from reddytalk.voice.wav_input import decode_wav

    wav = decode_wav(data, max_bytes=MAX_FILE_BYTES)
    stt = build_stt(get_settings())
    warm_up = getattr(stt, "warm_up", None)
    if callable(warm_up):  # model loading is not transcription time
        await asyncio.to_thread(warm_up)
    started = time.perf_counter()
    transcript = await stt.transcribe(pcm16_bytes(wav.mono()), wav.sample_rate, hints=hints)
    return transcript.text, wav.duration_s, (time.perf_counter() - started) * 1000


def run(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            print(f"reddytalk stt: {path} is larger than {MAX_FILE_BYTES} bytes", file=sys.stderr)
            return 2
        data = path.read_bytes()
    except OSError as exc:
        print(f"reddytalk stt: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        text, seconds, processing_ms = asyncio.run(_transcribe(data, args.hint))
    except ReddyTalkError as exc:
        print(f"reddytalk stt: {exc.message}", file=sys.stderr)
        return 2 if exc.status < 500 else 1
    if args.json:
        payload = {
            "transcript": text,
            "audio_seconds": round(seconds, 3),
            "processing_ms": round(processing_ms, 1),
        }
        print(json.dumps(payload))
    else:
        print(text)
    return 0
