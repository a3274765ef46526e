"""``reddytalk seed --practice FILE.json``: load a practice file into the configured document store.

Idempotent: every document is upserted under a deterministic id, so seeding twice changes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from reddytalk.errors import ReddyTalkError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("seed", help="load a practice file into the document store")
    parser.add_argument("--practice", required=True, help="practice file (JSON), see docs/practice-file.md")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from reddytalk.practice.loader import load_practice_file
    from reddytalk.practice.repository import seed_practice
    from reddytalk.settings import get_settings
    from reddytalk.stores import open_documents

    async def seed() -> dict[str, int]:
        documents = open_documents(get_settings())
        try:
            return await seed_practice(documents, practice)
        finally:
            await documents.close()

    try:
        practice = load_practice_file(args.practice)
        counts = asyncio.run(seed())
    except ReddyTalkError as exc:
        print(
            f"reddytalk seed: {exc.message} {json.dumps(exc.detail) if exc.detail else ''}".rstrip(),
            file=sys.stderr,
        )
        return 2
    print(json.dumps({"practice_id": practice.practice.id, **counts}))
    return 0
