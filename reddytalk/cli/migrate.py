"""``reddytalk migrate``: move the legacy PostgreSQL data to the document store (docs/migration.md).

The source is ``--dsn``; the target is the app's own document store (``DOCUMENTS_CONNECTION``,
``DOCUMENTS_DATABASE``). Every subcommand ends with a report (``--json`` for machines) and exits
non-zero when anything is wrong. The commands live in ``reddytalk.migration.commands``, imported only
when ``migrate`` runs, so the rest of the CLI does not need the migration's dependencies (psycopg).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from reddytalk.migration.transform import DEFAULT_MAX_PART_BYTES

DEFAULT_SWITCH_FILE = ".data/migration/system-of-record.json"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("migrate", help="migrate the legacy PostgreSQL data to the document store")
    sub = parser.add_subparsers(dest="migrate_command", required=True)

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--dsn", required=True, help="legacy PostgreSQL connection string")
        p.add_argument("--json", action="store_true", help="print the report as JSON")
        p.add_argument(
            "--legacy-timezone", default="America/New_York", help="zone of naive legacy timestamps"
        )
        p.add_argument("--concurrency", type=int, default=16, help="parallel store writes")
        p.add_argument("--max-part-bytes", type=int, default=DEFAULT_MAX_PART_BYTES, help=argparse.SUPPRESS)
        p.add_argument("--no-progress", action="store_true", help="no progress bars")
        return p

    p = add("fake-legacy", "create the legacy schema and fill it with realistic data")
    p.add_argument("--patients", type=int, default=1000)
    p.add_argument("--users", type=int)
    p.add_argument("--sessions", type=int)
    p.add_argument("--transcript-lines", type=int)
    p.add_argument("--long-transcripts", type=int, default=1)
    p.add_argument("--no-quirks", action="store_true", help="clean data only")
    p.add_argument("--seed", type=int, default=7)
    p.set_defaults(func=_dispatch, run="fake")
    add("plan", "counts, estimated time, target containers and partition keys").set_defaults(
        func=_dispatch, run="plan"
    )
    p = add("full", "export, transform and bulk-load everything (resumes from checkpoints)")
    p.add_argument("--batch", type=int, default=2000, help="rows per batch (and checkpoint)")
    p.add_argument("--restart", action="store_true", help="ignore checkpoints and load everything again")
    p.set_defaults(func=_dispatch, run="full")
    p = add("sync", "apply legacy changes since the last sync")
    p.add_argument(
        "--follow", action="store_true", help="keep running (parallel-run mode) until SIGINT/SIGTERM"
    )
    p.add_argument("--duration", type=float, help="with --follow: stop after this many seconds")
    p.set_defaults(func=_dispatch, run="sync")
    p = add("validate", "compare every row with its document; non-zero exit on any mismatch")
    p.add_argument("--sample", type=int, default=200, help="rows compared field by field")
    p.set_defaults(func=_dispatch, run="validate")
    for name, text in (
        ("cutover", "freeze legacy writes, final sync, validate 100 %%, switch"),
        ("rollback", "write back changes made after cutover, unfreeze, switch back"),
    ):
        p = add(name, text)
        p.add_argument("--switch-file", type=Path, default=Path(DEFAULT_SWITCH_FILE))
        p.add_argument("--sample", type=int, default=200)
        if name == "rollback":
            p.add_argument("--force", action="store_true")
        p.set_defaults(func=_dispatch, run=name)


def _dispatch(args: argparse.Namespace) -> int:
    commands = importlib.import_module("reddytalk.migration.commands")
    return int(commands.run(args))


if __name__ == "__main__":
    from reddytalk.cli.main import main

    sys.exit(main(["migrate", *sys.argv[1:]]))
