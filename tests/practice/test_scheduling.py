"""Slots come from practice hours ∩ provider schedules in the practice's time zone, minus bookings."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from reddytalk.practice.models import PracticeFile
from reddytalk.practice.scheduling import cells, find_slots, within_hours

NY = ZoneInfo("America/New_York")


def test_slots_respect_hours_schedule_and_bookings(demo: PracticeFile) -> None:
    patel = next(p for p in demo.providers if p.id == "dr-patel")
    sick = next(t for t in demo.appointment_types if t.id == "sick-visit")
    day = datetime(2026, 12, 1, tzinfo=NY)
    busy = {"dr-patel": [(day.replace(hour=9), day.replace(hour=9, minute=20))]}
    slots = find_slots(
        demo.practice, [patel], sick, busy, after=day, before=day + timedelta(days=1), now=day, limit=100
    )
    starts = [s.start.strftime("%H:%M") for s in slots]
    assert starts[0] == "08:00"
    assert "09:00" not in starts and "09:15" not in starts  # 09:15 would overlap 09:00-09:20
    assert "09:30" in starts
    assert "11:45" not in starts  # would run into the 12:00 lunch break
    assert "12:00" not in starts and "13:00" in starts
    assert starts[-1] == "16:30"  # 16:30-16:50 fits; 16:45 would end at 17:05


def test_no_slots_in_the_past_or_on_closed_days(demo: PracticeFile) -> None:
    sick = next(t for t in demo.appointment_types if t.id == "sick-visit")
    sunday = datetime(2026, 12, 6, tzinfo=NY)
    assert (
        find_slots(
            demo.practice,
            demo.providers,
            sick,
            {},
            after=sunday,
            before=sunday + timedelta(days=1),
            now=sunday,
        )
        == []
    )
    now = datetime(2026, 12, 1, 15, 0, tzinfo=NY)
    slots = find_slots(
        demo.practice,
        demo.providers,
        sick,
        {},
        after=now - timedelta(hours=8),
        before=now + timedelta(hours=3),
        now=now,
    )
    assert slots and all(s.start >= now for s in slots)


def test_time_zone_and_dst(demo: PracticeFile) -> None:
    patel = next(p for p in demo.providers if p.id == "dr-patel")
    # 13:00 UTC is 08:00 in New York in winter (EST), 09:00 in summer (EDT)
    assert within_hours(demo.practice, patel, datetime(2026, 12, 1, 13, 0, tzinfo=ZoneInfo("UTC")), 20)
    assert not within_hours(demo.practice, patel, datetime(2026, 12, 1, 12, 45, tzinfo=ZoneInfo("UTC")), 20)
    assert within_hours(demo.practice, patel, datetime(2026, 7, 7, 12, 0, tzinfo=ZoneInfo("UTC")), 20)


def test_cells_are_deterministic_utc() -> None:
    start = datetime(2026, 12, 1, 9, 0, tzinfo=NY)
    assert cells(start, 20) == cells(start.astimezone(ZoneInfo("UTC")), 20)
    assert len(cells(start, 20)) == 4 and len(cells(start, 22)) == 5
