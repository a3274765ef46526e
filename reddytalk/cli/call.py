"""``reddytalk call``: play a caller against ReddyTalk, by voice, and print what happened.

Each ``--say`` is spoken with the local TTS (each ``--audio`` WAV is used as is) and streamed to the
voice API in real time with trailing silence; replies arrive over SignalR (``pysignalr``). Without
``--url`` the command starts the app on the local host in this process, on embedded defaults in a
throwaway folder, seeded from ``--practice`` with the clock at ``--now``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_PRACTICE = REPO_ROOT / "examples" / "demo-practice.json"
FLAG_NAMES = ("identity_verified", "emergency", "transfer", "ended")


class Line(argparse.Action):
    """Keeps ``--say`` and ``--audio`` in the order given."""

    def __call__(self, parser: Any, namespace: Any, value: Any, option: Any = None) -> None:
        lines = getattr(namespace, "lines", None) or []
        lines.append(("say" if option == "--say" else "audio", value))
        namespace.lines = lines


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("call", help="play a caller by voice against ReddyTalk")
    parser.add_argument("--url", help="base URL of a running ReddyTalk (default: start one in-process)")
    parser.add_argument(
        "--practice", default=str(DEMO_PRACTICE), help="practice file (JSON) to seed and call"
    )
    parser.add_argument("--now", help="fixed clock for the in-process app, ISO 8601 with offset")
    parser.add_argument("--say", action=Line, dest="lines", help="a caller line, spoken with the local TTS")
    parser.add_argument("--audio", action=Line, dest="lines", help="a caller line as a WAV file")
    parser.add_argument("--no-consent", action="store_true", help="decline call recording")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run, lines=None)


def run(args: argparse.Namespace) -> int:
    if not args.lines:
        print("reddytalk call: give at least one --say or --audio", file=sys.stderr)
        return 2
    try:
        result = asyncio.run(_call(args)) if args.url else _call_in_process(args)
    except (OSError, ValueError, TimeoutError) as exc:
        print(f"reddytalk call: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2) if args.json else _readable(result))
    return 0


def _call_in_process(args: argparse.Namespace) -> dict[str, Any]:
    from devhost.host import LocalHost  # the CLI may start the host; app code never imports it
    from reddytalk.practice.loader import load_practice_file
    from reddytalk.services import close_services

    practice = load_practice_file(args.practice)
    with (
        tempfile.TemporaryDirectory(prefix="reddytalk-call-") as tmp,
        _environment(_local_env(Path(tmp), args.now)),
    ):
        asyncio.run(_seed(practice))
        handle = LocalHost(REPO_ROOT, Path(tmp) / "host", port=0, signalr_port=0).run_in_thread()
        try:
            args.base_url = handle.base_url
            result = asyncio.run(_call(args, practice_id=practice.practice.id))
            result["appointments"] = asyncio.run(_appointments(practice.practice.id))
            return result
        finally:
            handle.run(close_services())
            handle.stop()


def _local_env(folder: Path, now: str | None) -> dict[str, str]:
    env = {
        "DOCUMENTS_CONNECTION": f"UseEmbeddedStorage=true;Path={folder}/documents.sqlite3",
        "BLOBS_CONNECTION": f"UseEmbeddedStorage=true;Path={folder}/blobs",
        "QUEUES_CONNECTION": f"UseEmbeddedStorage=true;Path={folder}/queues.sqlite3",
    }
    if now:
        env["CLOCK_FIXED_AT"] = now
    return env


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


async def _seed(practice: Any) -> None:
    from reddytalk.practice.repository import seed_practice
    from reddytalk.settings import get_settings
    from reddytalk.stores import open_documents

    store = open_documents(get_settings())
    try:
        await seed_practice(store, practice)
    finally:
        await store.close()


async def _appointments(practice_id: str) -> list[dict[str, Any]]:
    from reddytalk.practice.repository import PracticeRepository
    from reddytalk.settings import get_settings
    from reddytalk.stores import open_documents

    store = open_documents(get_settings())
    try:
        return [
            a.model_dump(mode="json") for a in await PracticeRepository(store, practice_id).appointments()
        ]
    finally:
        await store.close()


async def _call(args: argparse.Namespace, practice_id: str | None = None) -> dict[str, Any]:
    from reddytalk.client.caller import CallerClient
    from reddytalk.practice.loader import load_practice_file

    practice_id = practice_id or load_practice_file(args.practice).practice.id
    base_url = getattr(args, "base_url", None) or args.url
    async with CallerClient(base_url) as caller:
        await caller.start(practice_id, consent=not args.no_consent)
        greeting = await caller.wait_greeting()
        turns = []
        for kind, value in args.lines:
            pcm = await _speech(kind, value)
            turn = await caller.say(pcm)
            done = turn.done or {}
            turns.append(
                {
                    "caller": value if kind == "say" else Path(value).name,
                    "heard": turn.heard,
                    "reply": done.get("reply", " ".join(turn.reply_text)),
                    "tool_calls": done.get("tool_calls", []),
                    "timings_ms": {
                        **done.get("timings_ms", {}),
                        "speech_end_to_first_audio": turn.speech_end_to_first_audio_ms,
                    },
                }
            )
            if done.get("flags", {}).get("ended"):
                break
        ended = caller.ended or await caller.hang_up()
    flags = {
        name: any(t.done and t.done.get("flags", {}).get(name) for t in caller.turns.values())
        for name in FLAG_NAMES
    }
    return {
        "session_id": caller.session_id,
        "greeting": " ".join(greeting.reply_text),
        "turns": turns,
        "appointments": None,  # filled in for the in-process app; a remote app shows them to staff only
        "flags": flags,
        "recording": (ended or {}).get("recording"),
        "transcript_id": (ended or {}).get("transcript_id"),
    }


async def _speech(kind: str, value: str) -> bytes:
    from audio.pcm import pcm16_bytes
    from audio.resample import resample
    from audio.wav import read_wav
    from reddytalk.voice.tts.local import LocalTextToSpeech

    if kind == "say":
        return b"".join([chunk async for chunk in LocalTextToSpeech().synthesize(value)])
    wav = read_wav(Path(value).read_bytes())
    return pcm16_bytes(resample(wav.mono(), wav.sample_rate, 16000))


def _readable(result: dict[str, Any]) -> str:
    out = [f"call {result['session_id']}", f"  receptionist: {result['greeting']}"]
    for turn in result["turns"]:
        out.append(f"  caller:       {turn['caller']}")
        out.append(f"    (heard:     {turn['heard']})")
        for call in turn["tool_calls"]:
            ok = call.get("result", {}).get("ok") if isinstance(call.get("result"), dict) else None
            out.append(f"    [{call['name']}] ok={ok}")
        out.append(f"  receptionist: {turn['reply']}")
        latency = turn["timings_ms"].get("speech_end_to_first_audio")
        out.append(f"    (first audio {latency} ms after you stopped speaking)")
    flags = ", ".join(k for k, v in result["flags"].items() if v) or "none"
    out.append(f"  flags: {flags}")
    if result.get("appointments") is not None:
        out.append(f"  appointments now: {len(result['appointments'])}")
    out.append(f"  recording: {result['recording'] or 'none'}   transcript: {result['transcript_id']}")
    return "\n".join(out)
