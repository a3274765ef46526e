"""Where appointments can go: practice hours ∩ provider schedule, minus what is already booked.

Pure functions over practice data (no I/O, no clock: ``now`` is passed in), so booking rules and
the agent's slot search agree and are easy to test. Weekly ranges are local times in the practice
time zone; every datetime that leaves this module is timezone-aware.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from reddytalk.practice.models import WEEKDAYS, AppointmentType, Practice, Provider, WeeklyHours, parse_hhmm

SLOT_STEP = timedelta(minutes=15)  # offered starts are on this grid, counted from the window start
CELL = timedelta(minutes=5)  # booking granularity: every appointment covers whole cells
MAX_SEARCH_DAYS = 62

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class Slot:
    provider_id: str
    type_id: str
    start: datetime
    end: datetime


def day_ranges(weekly: WeeklyHours, day: date, zone: ZoneInfo) -> list[Interval]:
    """The open ranges of one local day as aware datetimes."""
    ranges = weekly.get(WEEKDAYS[day.weekday()], [])
    return [
        (datetime.combine(day, parse_hhmm(s), zone), datetime.combine(day, parse_hhmm(e), zone))
        for s, e in ranges
    ]


def intersect(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for a_start, a_end in a:
        for b_start, b_end in b:
            start, end = max(a_start, b_start), min(a_end, b_end)
            if start < end:
                out.append((start, end))
    return sorted(out)


def bookable_windows(practice: Practice, provider: Provider, day: date) -> list[Interval]:
    """When ``provider`` sees patients on ``day``: their schedule inside the practice's hours."""
    zone = practice.zone
    return intersect(day_ranges(practice.hours, day, zone), day_ranges(provider.schedule, day, zone))


def within_hours(practice: Practice, provider: Provider, start: datetime, minutes: int) -> bool:
    """True when [start, start+minutes) lies inside one bookable window of that local day."""
    local = start.astimezone(practice.zone)
    end = local + timedelta(minutes=minutes)
    return any(
        w_start <= local and end <= w_end
        for w_start, w_end in bookable_windows(practice, provider, local.date())
    )


def overlaps(start: datetime, end: datetime, busy: Iterable[Interval]) -> bool:
    return any(start < b_end and b_start < end for b_start, b_end in busy)


def on_cell_grid(start: datetime) -> bool:
    return start.second == 0 and start.microsecond == 0 and start.minute % 5 == 0


def cells(start: datetime, minutes: int) -> list[datetime]:
    """The 5-minute UTC cells an appointment occupies (its deterministic slot identity)."""
    first = start.astimezone(ZoneInfo("UTC"))
    count = -(-minutes // 5)
    return [first + i * CELL for i in range(count)]


def find_slots(
    practice: Practice,
    providers: Sequence[Provider],
    appointment_type: AppointmentType,
    busy: Mapping[str, Sequence[Interval]],
    *,
    after: datetime,
    before: datetime,
    now: datetime,
    limit: int = 12,
) -> list[Slot]:
    """Free starts for ``appointment_type`` between ``after`` and ``before``, earliest first.

    ``busy`` maps provider id → booked intervals. Only starts after ``now`` are offered.
    """
    length = timedelta(minutes=appointment_type.minutes)
    zone = practice.zone
    lower = max(after, now)
    if before <= lower:
        return []
    first_day = lower.astimezone(zone).date()
    last_day = min(before.astimezone(zone).date(), first_day + timedelta(days=MAX_SEARCH_DAYS))
    order = {p.id: i for i, p in enumerate(providers)}
    found: list[Slot] = []
    day = first_day
    while day <= last_day and len(found) < limit:
        day_slots: list[Slot] = []
        for provider in providers:
            taken = busy.get(provider.id, ())
            for w_start, w_end in bookable_windows(practice, provider, day):
                start = w_start
                while start + length <= w_end:
                    end = start + length
                    if start >= lower and start > now and end <= before and not overlaps(start, end, taken):
                        day_slots.append(Slot(provider.id, appointment_type.id, start, end))
                    start += SLOT_STEP
        day_slots.sort(key=lambda s: (s.start, order[s.provider_id]))
        found.extend(day_slots)
        day += timedelta(days=1)
    return found[:limit]
