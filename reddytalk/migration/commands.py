"""The ``reddytalk migrate`` subcommands: open the legacy database and the target store, run, report."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import time
from collections.abc import Awaitable, Callable

import psycopg

from reddytalk.errors import ReddyTalkError
from reddytalk.migration import state
from reddytalk.migration.cutover import cutover, rollback
from reddytalk.migration.fake_legacy import FakeOptions, generate
from reddytalk.migration.load import LoadOptions, full_load
from reddytalk.migration.plan import plan
from reddytalk.migration.report import Report
from reddytalk.migration.sync import Syncer
from reddytalk.migration.transform import Converter
from reddytalk.migration.validate import ValidateOptions, validate
from reddytalk.migration.writer import Writer
from reddytalk.settings import get_settings
from reddytalk.stores import open_documents
from reddytalk.stores.documents.base import DocumentStore

Command = Callable[[argparse.Namespace, state.Conn, Callable[[], DocumentStore]], Awaitable[Report]]


def _run(args: argparse.Namespace, command: Command) -> int:
    try:
        report = asyncio.run(_with_connections(args, command))
    except (ReddyTalkError, psycopg.Error, OSError, ExceptionGroup) as exc:
        report = Report(args.migrate_command)
        report.fail(_describe(exc))
    print(report.to_json() if args.json else report.to_text())
    return 0 if report.ok else 1


def _describe(exc: BaseException) -> str:
    """One line naming what failed, without row contents (PHI stays out of the output)."""
    if isinstance(exc, ExceptionGroup):
        return _describe(exc.exceptions[0])
    if isinstance(exc, ReddyTalkError):
        return f"{exc.code}: {exc.message} (rerun to resume from the last checkpoint)"
    if isinstance(exc, psycopg.OperationalError):  # connection problems: host, port, auth; no row data
        return f"PostgreSQL: {str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}"
    if isinstance(exc, psycopg.Error):
        return f"PostgreSQL: {type(exc).__name__} {exc.sqlstate or ''}".strip()
    return f"{type(exc).__name__}: {exc}"


async def _with_connections(args: argparse.Namespace, command: Command) -> Report:
    conn = await state.connect(args.dsn)
    stores: list[DocumentStore] = []

    def store() -> DocumentStore:
        stores.append(open_documents(get_settings()))
        return stores[-1]

    try:
        return await command(args, conn, store)
    finally:
        for s in stores:
            await s.close()
        await conn.close()


def _conv(args: argparse.Namespace) -> Converter:
    return Converter(args.legacy_timezone)


async def _locked(conn: state.Conn, report_name: str, body: Callable[[], Awaitable[Report]]) -> Report:
    if not await state.try_lock(conn):
        report = Report(report_name)
        report.fail("another migration command is writing to the target; try again when it ends")
        return report
    try:
        return await body()
    finally:
        await state.unlock(conn)


async def _fake(args: argparse.Namespace, conn: state.Conn, _: Callable[[], DocumentStore]) -> Report:
    started = time.perf_counter()
    opts = FakeOptions(
        patients=args.patients,
        users=args.users,
        sessions=args.sessions,
        transcript_lines=args.transcript_lines,
        long_transcripts=args.long_transcripts,
        quirks=not args.no_quirks,
        seed=args.seed,
    )
    counts = await generate(conn, opts)
    report = Report("fake-legacy", elapsed_s=time.perf_counter() - started)
    for name, n in vars(counts).items():
        report.table(name)["rows"] = n
    return report


async def _plan(args: argparse.Namespace, conn: state.Conn, _: Callable[[], DocumentStore]) -> Report:
    kind = (
        "embedded"
        if "UseEmbeddedStorage" in get_settings().documents_connection.get_secret_value()
        else "cosmos"
    )
    return await plan(conn, kind)


async def _full(args: argparse.Namespace, conn: state.Conn, store: Callable[[], DocumentStore]) -> Report:
    async def body() -> Report:
        reader = await state.connect(args.dsn)
        try:
            opts = LoadOptions(
                batch_rows=args.batch,
                max_part_bytes=args.max_part_bytes,
                restart=args.restart,
                progress=not args.no_progress,
            )
            return await full_load(conn, reader, Writer(store(), args.concurrency), _conv(args), opts)
        finally:
            await reader.close()

    return await _locked(conn, "full", body)


def _syncer(args: argparse.Namespace, conn: state.Conn, store: Callable[[], DocumentStore]) -> Syncer:
    return Syncer(conn, Writer(store(), args.concurrency), _conv(args), max_part_bytes=args.max_part_bytes)


async def _sync(args: argparse.Namespace, conn: state.Conn, store: Callable[[], DocumentStore]) -> Report:
    async def body() -> Report:
        report = Report("sync")
        if not await state.installed(conn):
            report.fail("change capture is not installed: run `reddytalk migrate full` first")
            return report
        started = time.perf_counter()
        syncer = _syncer(args, conn, store)
        if args.follow:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            if args.duration:
                loop.call_later(args.duration, stop.set)
            with contextlib.suppress(asyncio.CancelledError):
                await syncer.follow(stop)
        else:
            await syncer.drain()
        pending, lag = await syncer.pending()
        report.details.update(syncer.stats.summary(), pending=pending, current_lag_s=lag)
        report.elapsed_s = time.perf_counter() - started
        return report

    return await _locked(conn, "sync", body)


async def _validate(args: argparse.Namespace, conn: state.Conn, store: Callable[[], DocumentStore]) -> Report:
    opts = ValidateOptions(
        sample=args.sample, max_part_bytes=args.max_part_bytes, progress=not args.no_progress
    )
    return await validate(conn, store(), _conv(args), opts)


async def _cutover(args: argparse.Namespace, conn: state.Conn, store: Callable[[], DocumentStore]) -> Report:
    opts = ValidateOptions(sample=args.sample, max_part_bytes=args.max_part_bytes)
    return await _locked(
        conn,
        "cutover",
        lambda: cutover(conn, _syncer(args, conn, store), _conv(args), args.switch_file, opts),
    )


async def _rollback(args: argparse.Namespace, conn: state.Conn, store: Callable[[], DocumentStore]) -> Report:
    return await _locked(
        conn,
        "rollback",
        lambda: rollback(conn, _syncer(args, conn, store), _conv(args), args.switch_file, args.force),
    )


COMMANDS: dict[str, Command] = {
    "fake": _fake,
    "plan": _plan,
    "full": _full,
    "sync": _sync,
    "validate": _validate,
    "cutover": _cutover,
    "rollback": _rollback,
}


def run(args: argparse.Namespace) -> int:
    """Run the subcommand named by ``args.run``; print its report; 0 when it is OK."""
    return _run(args, COMMANDS[args.run])
