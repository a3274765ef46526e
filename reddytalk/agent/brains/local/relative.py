"""Times said relative to the appointment being moved: "push it back an hour", "a week later",
"the day before", "move it up a day", "same time next week", "Thursday, same time".

One small grammar — a quantity, a unit and a direction, in either order — instead of a phrase per
wording; the offset is applied to the appointment's own start once that appointment is known
(``apply``), so the caller can say it before or after identifying themselves. Calendar words that
are *not* relative to the appointment ("the day after tomorrow", "the week after next", "a week
from Friday") are left to ``dates.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

_QTY = r"(?P<q>\d+(?:\.\d+)?|half an?|an? half|an? couple of|a couple|couple of|an?|one|the)"
_UNIT = r"(?P<u>min(?:ute)?s?|hours?|hrs?|days?|weeks?)(?P<half> and a half)?"
_UP = r"(?<!follow )(?<!check )(?<!set )(?<!sign )(?<!pick )(?<!show )(?<!catch )up"  # "move it up", not "follow up"
_LATER = {"following", "next", "later", "back", "after", "out", "push", "bump", "delay", "postpone"}
_VERBS = {"push", "bump", "delay", "postpone"}
_EARLIER = {"earlier", "sooner", "before", "up", "forward", "ahead"}
_PATTERNS = (
    # "an hour later", "a week later", "the day before", "2 days earlier", "15 minutes later"
    re.compile(
        rf"\b{_QTY} ?{_UNIT} (?P<d>later|earlier|sooner|back|out|(?:before|after)(?! (?:tomorrow|yesterday|next)\b))\b"
    ),
    # "push it back an hour", "move it up a day", "later by 30 minutes"
    re.compile(rf"\b(?P<d>back|{_UP}|forward|ahead|later|earlier|out)(?: by)? {_QTY} ?{_UNIT}\b"),
    # "the following day", "the next week", "the previous day"
    re.compile(
        rf"\b(?P<q>the) (?P<d>following|next|previous|prior) {_UNIT}\b(?! (?:available|open|you have))"
    ),
    # "push it a week", "bump my appointment by two hours", "postpone it a day"
    re.compile(
        rf"\b(?P<d>push|bump|delay|postpone)(?: it| that| this| my \w+(?: \w+)?)?(?: by)? {_QTY} ?{_UNIT}\b"
    ),
)
_SAME_TIME = re.compile(r"\b(?:(?:at )?the same time|same time)\b")
_NEXT_WEEK = re.compile(r"\b(?:next week|the (?:following|next) week|a week later)\b")
_WEEKDAY = re.compile(r"\b(?:mon|tues?|wednes|thurs?|fri|satur|sun)(?:day)?\b")
_MINUTES = {"m": 1, "h": 60, "d": 24 * 60, "w": 7 * 24 * 60}


@dataclass(frozen=True)
class Relative:
    """An offset from the appointment's start: whole days (calendar) plus minutes (clock)."""

    days: int = 0
    minutes: int = 0
    same_time: bool = False  # "same time": the appointment's clock time on the day named

    def as_slot(self) -> dict[str, Any]:
        return {"days": self.days, "minutes": self.minutes, "same_time": self.same_time}


def _quantity(q: str, half: str | None) -> float:
    q = q.strip()
    if q[0].isdigit():
        amount = float(q)
    elif "half" in q:
        amount = 0.5
    elif "couple" in q:
        amount = 2.0
    else:  # a, an, one, the
        amount = 1.0
    return amount + (0.5 if half else 0.0)


def find_relative(text: str) -> tuple[Relative | None, str]:
    """The offset said in ``text`` (normalised, numbers as digits) and the text without it."""
    for pattern in _PATTERNS:
        match = pattern.search(text)
        if not match:
            continue
        sign = 1 if match.group("d") in _LATER else -1
        total = _quantity(match.group("q"), match.group("half")) * _MINUTES[match.group("u")[0]]
        whole = round(total)
        days, minutes = divmod(whole, 24 * 60) if whole >= 24 * 60 else (0, whole)
        cut = match.start("q") if match.group("d") in _VERBS else match.start()  # keep "my physical"
        rest = (text[:cut] + " " + text[match.end() :]).strip()
        return Relative(days=sign * days, minutes=sign * minutes, same_time=True), rest
    if _SAME_TIME.search(text):
        rest = _SAME_TIME.sub(" ", text).strip()
        if _NEXT_WEEK.search(rest) and not _WEEKDAY.search(rest):
            return Relative(days=7, same_time=True), _NEXT_WEEK.sub(" ", rest).strip()
        return Relative(same_time=True), rest
    return None, text


def apply(relative: dict[str, Any], start: str, day: str | None) -> tuple[str, str]:
    """The new (day, "HH:MM") for an appointment starting at ``start`` (ISO), given the offset and
    the day the caller named (for "Thursday, same time")."""
    base = datetime.fromisoformat(start)
    if relative.get("days") or relative.get("minutes") or not day:
        moved = datetime.combine(base.date() + timedelta(days=int(relative.get("days", 0))), base.time())
        moved += timedelta(minutes=int(relative.get("minutes", 0)))
        return moved.date().isoformat(), moved.strftime("%H:%M")
    return date.fromisoformat(day).isoformat(), base.strftime("%H:%M")
