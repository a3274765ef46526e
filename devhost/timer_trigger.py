"""Timer triggers: 6-field NCRONTAB schedules (seconds first) evaluated with ``croniter``.

``runOnStartup`` fires once when the host starts. The schedule monitor (on by default for
schedules of a minute or more, or when ``useMonitor`` is true) persists Last/Next in the state dir,
so a run missed while the host was down fires at start with ``past_due`` set, as on Azure.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from azure.functions import meta
from azure.functions.timer import TimerRequestConverter
from croniter import CroniterError, croniter

from devhost.config import HostConfigError, parse_timespan
from devhost.functions import FunctionInfo
from devhost.invoke import Runner

log = logging.getLogger("devhost.timer")


class ScheduleError(ValueError):
    """The schedule is not a 6-field NCRONTAB expression or a TimeSpan."""


class Schedule:
    """When a timer fires: an NCRONTAB expression, or a fixed TimeSpan interval."""

    def __init__(self, expression: str, tz: dt.tzinfo) -> None:
        self.expression = expression.strip()
        self.tz = tz
        self.interval: float | None = None
        if re.fullmatch(r"(\d+\.)?\d{1,2}:\d{1,2}:\d{1,2}", self.expression):
            try:
                self.interval = parse_timespan(self.expression, "schedule")
            except HostConfigError as exc:
                raise ScheduleError(str(exc)) from None
            if self.interval <= 0:
                raise ScheduleError("a TimeSpan schedule must be positive")
            return
        if len(self.expression.split()) != 6:
            raise ScheduleError(
                f"schedule {expression!r} must have 6 fields: second minute hour day month day-of-week"
            )
        try:
            croniter(self.expression, dt.datetime.now(tz), second_at_beginning=True)
        except (CroniterError, ValueError) as exc:
            raise ScheduleError(f"schedule {expression!r} is invalid: {exc}") from None

    def next_after(self, moment: dt.datetime) -> dt.datetime:
        if self.interval is not None:
            return moment + dt.timedelta(seconds=self.interval)
        local = moment.astimezone(self.tz)
        nxt: dt.datetime = croniter(self.expression, local, second_at_beginning=True).get_next(dt.datetime)
        return nxt.astimezone(dt.UTC)

    def min_interval(self) -> float:
        """Shortest gap between two occurrences, sampled from the next few."""
        if self.interval is not None:
            return self.interval
        moment = dt.datetime.now(dt.UTC)
        gaps = []
        for _ in range(5):
            nxt = self.next_after(moment)
            gaps.append((nxt - moment).total_seconds())
            moment = nxt
        return min(gaps[1:])


def host_timezone() -> dt.tzinfo:
    name = os.environ.get("WEBSITE_TIME_ZONE") or os.environ.get("TZ")
    if not name:
        return dt.UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("time zone %r is unknown here; timers use UTC", name)
        return dt.UTC


class TimerListener:
    def __init__(self, function: FunctionInfo, state_dir: Path, invoker: Runner) -> None:
        self.function = function
        self.invoker = invoker
        trigger = function.trigger
        self.schedule = Schedule(str(trigger.get("schedule", "")), host_timezone())
        self.run_on_startup = bool(trigger.get("runOnStartup", False))
        use_monitor = trigger.get("useMonitor")
        self.use_monitor = (
            bool(use_monitor) if use_monitor is not None else self.schedule.min_interval() >= 60
        )
        self.status_file = state_dir / "timers" / f"{function.name.lower()}.json"
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"timer-{self.function.name}")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        status = self._load_status() if self.use_monitor else None
        missed = _parse(status.get("Next")) if status else None
        now = _now()
        if self.run_on_startup:
            await self._fire(now, past_due=False)
        elif missed is not None and missed < now:
            await self._fire(now, past_due=True)
        elif self.use_monitor and status is None:
            # first start: record the next occurrence so a run missed while down is noticed later
            self._save_status(
                {"Last": None, "Next": _iso(self.schedule.next_after(now)), "LastUpdated": _iso(now)}
            )
        while not self._stopping.is_set():
            due = self.schedule.next_after(_now())
            wait = (due - _now()).total_seconds()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), max(0.0, wait))
                return
            await self._fire(due, past_due=False)

    async def _fire(self, scheduled: dt.datetime, past_due: bool) -> None:
        status = self._load_status()
        request = TimerRequestConverter.decode(
            meta.Datum(
                json.dumps(
                    {
                        "Schedule": {"AdjustForDST": True},
                        "ScheduleStatus": status,
                        "IsPastDue": past_due,
                    }
                ),
                "json",
            ),
            trigger_metadata=None,
        )
        try:
            await self.invoker.invoke(self.function, request)
        except Exception:
            log.exception("timer function %s failed", self.function.name)
        if self.use_monitor:
            now = _now()
            self._save_status(
                {
                    "Last": _iso(scheduled),
                    "Next": _iso(self.schedule.next_after(now)),
                    "LastUpdated": _iso(now),
                }
            )

    def _load_status(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.status_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _save_status(self, status: dict[str, Any]) -> None:
        self.status_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.status_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(status), encoding="utf-8")
        tmp.replace(self.status_file)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


def _parse(value: Any) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
