"""``reddytalk chat``: try the receptionist in text, against a throwaway store seeded from a practice file."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from typing import Any

from reddytalk.errors import ReddyTalkError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "chat", help="text conversation with the receptionist (fresh store, fixed clock)"
    )
    parser.add_argument("--practice", required=True, help="practice file (JSON)")
    parser.add_argument("--now", help="the fixed clock, ISO 8601 with offset (default: now)")
    parser.add_argument(
        "--say", action="append", default=[], required=True, help="one caller turn (repeatable)"
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object (turns, appointments, flags)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from reddytalk.agent.brains.factory import build_brain
    from reddytalk.agent.textchat import run_chat
    from reddytalk.practice.loader import load_practice_file
    from reddytalk.settings import get_settings

    try:
        practice = load_practice_file(args.practice)
        now = datetime.fromisoformat(args.now) if args.now else datetime.now(UTC)
        if now.tzinfo is None:
            now = now.replace(tzinfo=practice.practice.zone)
        outcome = asyncio.run(run_chat(practice, args.say, now=now, brain=build_brain(get_settings())))
    except ValueError as exc:
        print(f"reddytalk chat: {exc}", file=sys.stderr)
        return 2
    except ReddyTalkError as exc:
        print(
            f"reddytalk chat: {exc.message} {json.dumps(exc.detail) if exc.detail else ''}".rstrip(),
            file=sys.stderr,
        )
        return 2
    if args.json:
        print(json.dumps({k: outcome[k] for k in ("turns", "appointments", "flags")}, indent=2))
        return 0
    print(f"agent:  {outcome['greeting']}")
    for turn in outcome["turns"]:
        print(f"caller: {turn['caller']}")
        for call in turn["tool_calls"]:
            print(f"        [{call['name']}] ok={call['result'].get('ok')}")
        print(f"agent:  {turn['reply']}")
    flags = ", ".join(k for k, v in outcome["flags"].items() if v) or "none"
    print(f"flags:  {flags}")
    return 0
