"""How dates, times and hours are said aloud. Tool results carry these strings so that what the
agent speaks comes from the data, never from free generation."""

from __future__ import annotations

from datetime import datetime, time

from reddytalk.practice.models import WEEKDAYS, WeeklyHours, parse_hhmm

DAY_NAMES = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}


def say_time(moment: time) -> str:
    hour = moment.hour % 12 or 12
    suffix = "AM" if moment.hour < 12 else "PM"
    if moment.hour == 12 and moment.minute == 0:
        return "noon"
    return f"{hour} {suffix}" if moment.minute == 0 else f"{hour}:{moment.minute:02d} {suffix}"


def say_day(moment: datetime) -> str:
    return f"{moment.strftime('%A')}, {moment.strftime('%B')} {moment.day}"


def say_when(moment: datetime) -> str:
    """'Tuesday, December 1 at 9:30 AM' in the moment's own (practice) time zone."""
    return f"{say_day(moment)} at {say_time(moment.timetz())}"


def say_hours(hours: WeeklyHours) -> str:
    """Weekly hours grouped into runs of days with the same ranges."""
    groups: list[tuple[list[str], str]] = []
    for day in WEEKDAYS:
        ranges = hours.get(day, [])
        text = (
            " and ".join(f"{say_time(parse_hhmm(s))} to {say_time(parse_hhmm(e))}" for s, e in ranges)
            if ranges
            else "closed"
        )
        if groups and groups[-1][1] == text:
            groups[-1][0].append(day)
        else:
            groups.append(([day], text))
    parts = []
    for days, text in groups:
        label = (
            DAY_NAMES[days[0]] if len(days) == 1 else f"{DAY_NAMES[days[0]]} through {DAY_NAMES[days[-1]]}"
        )
        parts.append(f"{label} {'we are closed' if text == 'closed' else text}")
    return "; ".join(parts) + "."
