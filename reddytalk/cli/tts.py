"""``reddytalk tts "TEXT" -o FILE.wav``: speak text with the configured (or a chosen) TTS provider.

The WAV is built in memory and moved into place atomically, so a failure never leaves half a file.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from reddytalk.errors import ReddyTalkError

PROVIDERS = ("local", "azure", "elevenlabs")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("tts", help="synthesize speech to a WAV file")
    parser.add_argument("text", help="what to say")
    parser.add_argument("-o", "--output", required=True, help="WAV file to write")
    parser.add_argument("--provider", choices=PROVIDERS, help="one provider instead of the configured chain")
    parser.add_argument("--voice", help="voice name (provider-specific; default from settings)")
    parser.add_argument("--rate", type=int, default=16000, choices=(8000, 16000, 24000), help="sample rate")
    parser.set_defaults(func=run)


async def _synthesize(args: argparse.Namespace) -> bytes:
    from reddytalk.settings import get_settings
    from reddytalk.voice.factory import build_tts_chain
    from reddytalk.voice.formats import AudioFormat

    settings = get_settings()
    if args.provider:
        settings = settings.model_copy(update={"tts_providers": args.provider})
    tts = build_tts_chain(settings)
    fmt = AudioFormat("pcm16", args.rate)
    return b"".join([chunk async for chunk in tts.synthesize(args.text, fmt=fmt, voice=args.voice)])


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run(args: argparse.Namespace) -> int:
    from audio.pcm import pcm16_samples
    from audio.wav import write_wav

    path = Path(args.output)
    if not path.parent.is_dir():
        print(f"reddytalk tts: folder {path.parent} does not exist", file=sys.stderr)
        return 2
    try:
        pcm = asyncio.run(_synthesize(args))
    except ReddyTalkError as exc:
        print(f"reddytalk tts: {exc.message}", file=sys.stderr)
        return 2 if exc.status < 500 else 1
    if not pcm:
        print("reddytalk tts: nothing to say", file=sys.stderr)
        return 2
    write_atomically(path, write_wav(pcm16_samples(pcm), args.rate))
    print(f"{path}: {len(pcm) / 2 / args.rate:.2f} s at {args.rate} Hz")
    return 0
