"""``reddytalk demo``: a booking call against the demo practice, by voice, printed readably.

It is ``reddytalk call`` with a script: the app runs in-process on embedded defaults, the clock is
fixed on a Monday morning so the offered slots are the same on every run.
"""

from __future__ import annotations

import argparse
from typing import Any

from reddytalk.cli import call

SCRIPT = (
    "I need to make an appointment",
    "My name is Maria Gonzalez, born March 12 1984",
    "I need a sick visit on Tuesday morning",
    "the second one please",
    "yes please",
    "no, that's all, thank you",
)
NOW = "2026-11-30T08:30:00-05:00"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("demo", help="a booking call against the demo practice")
    parser.add_argument("--practice", default=str(call.DEMO_PRACTICE), help="practice file (JSON)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    call_args = argparse.Namespace(
        url=None,
        practice=args.practice,
        now=NOW,
        lines=[("say", line) for line in SCRIPT],
        no_consent=False,
        json=args.json,
    )
    return call.run(call_args)
