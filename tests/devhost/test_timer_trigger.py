"""Timer triggers: NCRONTAB schedules, runOnStartup, and past_due after a run missed while down."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from devhost.host import LocalHost
from devhost.timer_trigger import Schedule, ScheduleError

APP = Path(__file__).parent / "apps" / "timer_app"


def records(path: Path, name: str) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    entries = [json.loads(line) for line in path.read_text().splitlines()]
    return [e for e in entries if e["name"] == name]


async def test_run_on_startup_and_a_per_second_schedule(tmp_path: Path) -> None:
    results = tmp_path / "timers.jsonl"
    async with LocalHost(APP, tmp_path / "state", port=0, env={"TIMER_RESULTS": str(results)}):
        await asyncio.sleep(2.6)
        startup = records(results, "daily_and_on_startup")
        ticks = records(results, "every_second")
    assert len(startup) == 1 and startup[0]["past_due"] is False  # ran once at start, not on schedule
    assert len(ticks) >= 2
    assert len({int(t["at"]) for t in ticks}) == len(ticks)  # one run per scheduled second
    assert all(t["at"] - int(t["at"]) < 0.5 and t["past_due"] is False for t in ticks)  # on the second
    # The hourly timer neither ran at start nor is due, but its schedule status is now recorded.
    assert records(results, "hourly") == []
    status = json.loads((tmp_path / "state" / "timers" / "hourly.json").read_text())
    assert dt.datetime.fromisoformat(status["Next"]).minute == 0


async def test_missed_run_fires_at_start_with_past_due(tmp_path: Path) -> None:
    results = tmp_path / "timers.jsonl"
    state = tmp_path / "state"
    (state / "timers").mkdir(parents=True)
    last = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=3)
    missed = last + dt.timedelta(hours=1)
    (state / "timers" / "hourly.json").write_text(
        json.dumps({"Last": last.isoformat(), "Next": missed.isoformat(), "LastUpdated": last.isoformat()})
    )
    async with LocalHost(APP, state, port=0, env={"TIMER_RESULTS": str(results)}):
        await asyncio.sleep(0.5)
        fired = records(results, "hourly")
    assert len(fired) == 1
    assert fired[0]["past_due"] is True
    assert fired[0]["status"]["Last"] == last.isoformat()
    status = json.loads((state / "timers" / "hourly.json").read_text())
    assert dt.datetime.fromisoformat(status["Next"]) > dt.datetime.now(dt.UTC)


def test_schedule_uses_six_field_ncrontab_with_seconds_first() -> None:
    schedule = Schedule("0 */5 * * * *", dt.UTC)
    start = dt.datetime(2026, 1, 1, 10, 2, 30, tzinfo=dt.UTC)
    assert schedule.next_after(start) == dt.datetime(2026, 1, 1, 10, 5, 0, tzinfo=dt.UTC)
    seconds = Schedule("15,45 * * * * *", dt.UTC)
    assert seconds.next_after(start) == dt.datetime(2026, 1, 1, 10, 2, 45, tzinfo=dt.UTC)
    weekdays = Schedule("0 30 9 * * 1-5", dt.UTC)  # Friday 2026-01-02 09:30 -> Monday 01-05
    assert weekdays.next_after(dt.datetime(2026, 1, 2, 9, 30, tzinfo=dt.UTC)).day == 5
    assert Schedule("00:00:10", dt.UTC).next_after(start) == start + dt.timedelta(seconds=10)


@pytest.mark.parametrize("bad", ["*/5 * * * *", "0 0 25 * * *", "every minute", ""])
def test_bad_schedules_are_rejected(bad: str) -> None:
    with pytest.raises(ScheduleError):
        Schedule(bad, dt.UTC)
