"""Dates and times in what a caller said: dates of birth, appointment days, times of day.

Text arrives normalised with spoken numbers as digits (``reddytalk.agent.text``). Weekdays and
relative words are resolved here against the injected ``now``; calendar phrases ("December 3rd",
"in two weeks") by ``dateparser`` with that ``now`` as its relative base and a preference for the
future.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import dateparser

MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for m in names
}
MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
WEEKDAY_NAMES = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAY_RE = (
    r"mon(?:day)?|tue(?:s|sday)?|wed(?:nesday)?|thu(?:rs|rsday)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?"
)


@dataclass
class Entities:
    name: str | None = None
    dob: date | None = None
    day: date | None = None
    day_end: date | None = None  # inclusive end when a range was said ("next week")
    time_of_day: time | None = None
    after_time: time | None = None
    before_time: time | None = None
    daypart: str | None = None  # morning | afternoon | evening
    soonest: bool = False
    provider_id: str | None = None
    type_id: str | None = None
    yes: bool = False
    no: bool = False
    correction: bool = False
    abandon: bool = False
    done: bool = False
    choice: int | None = None  # 0-based index among offered slots
    phone: str | None = None  # digits only
    shift: str | None = None  # "later" | "earlier" | "next_day": relative to what was offered
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def has_when(self) -> bool:
        return bool(
            self.day
            or self.time_of_day
            or self.daypart
            or self.soonest
            or self.after_time
            or self.before_time
        )


# --- dates of birth ----------------------------------------------------------------------------
def find_dob(text: str, today: date) -> tuple[date | None, str]:
    """A date with a plausible birth year; returns it and the text with it removed."""
    patterns = [
        (rf"\b({MONTH_RE}) (\d{{1,2}}),? (\d{{4}})\b", "mdy"),
        (rf"\b(\d{{1,2}}) (?:of )?({MONTH_RE}),? (\d{{4}})\b", "dmy"),
        (r"\b(\d{4})[/ -](\d{1,2})[/ -](\d{1,2})\b", "ymd"),
        (r"\b(\d{1,2})[/ -](\d{1,2})[/ -](\d{4})\b", "mdy_num"),
        (r"\b(\d{1,2})[/ .](\d{1,2})[/ .](\d{2})\b(?! ?(?:am|pm|a m|p m|o'?clock|:))", "mdy_short"),
        (rf"\b({MONTH_RE}) (\d{{1,2}}),? (\d{{2}})\b(?! ?(?:am|pm|a m|p m|o'?clock|:))", "mdy_short_named"),
    ]
    for pattern, kind in patterns:
        match = re.search(pattern, text)
        if not match:
            continue
        g = match.groups()
        try:
            if kind == "mdy":
                found = date(int(g[2]), MONTHS[g[0]], int(g[1]))
            elif kind == "dmy":
                found = date(int(g[2]), MONTHS[g[1]], int(g[0]))
            elif kind == "ymd":
                found = date(int(g[0]), int(g[1]), int(g[2]))
            elif kind == "mdy_num":
                found = date(int(g[2]), int(g[0]), int(g[1]))
            else:  # two-digit year: this century unless that would be in the future
                year = 2000 + int(g[2]) if 2000 + int(g[2]) <= today.year else 1900 + int(g[2])
                month = int(g[0]) if kind == "mdy_short" else MONTHS[g[0]]
                found = date(year, month, int(g[1]))
        except ValueError:
            continue
        if found.year >= 1900 and found <= today:
            return found, (text[: match.start()] + " " + text[match.end() :]).strip()
    return None, text


# --- appointment days and times -------------------------------------------------------------------
def find_when(text: str, now: datetime) -> Entities:
    ents = Entities()
    today = now.date()
    if re.search(
        r"\b(?:as soon as possible|asap|soonest|earliest|first available|next available|right away|today or tomorrow)\b",
        text,
    ):
        ents.soonest = True
    if re.search(r"\bday after tomorrow\b", text):
        ents.day = today + timedelta(days=2)
    elif re.search(r"\btomorrow\b", text):
        ents.day = today + timedelta(days=1)
    elif re.search(r"\btoday\b|\bthis (?:morning|afternoon|evening)\b", text):
        ents.day = today
    _relative_day(text, today, ents)
    moved = _FROM_TO.search(text)
    if moved and not ents.day:  # "move it from Thursday to Friday": Thursday picks the appointment
        ents.extra["from_day"] = _next_weekday(today, moved.group(1)).isoformat()
        ents.day = _next_weekday(today, moved.group(2))
    week = re.search(r"\b(next|this|the following) week\b", text)
    wd = re.search(rf"\b(next|this|coming|following)?\s*({WEEKDAY_RE})\b", text)
    if wd and not ents.day and not ents.day_end:
        target = _weekday_index(wd.group(2))
        delta = (target - today.weekday()) % 7
        if delta == 0 and wd.group(1) != "this":
            delta = 7
        if wd.group(1) == "following" or (
            week and week.group(1) in {"next", "the following"} and delta < 7 - today.weekday()
        ):
            delta += 7 if wd.group(1) == "following" or delta <= 6 - today.weekday() else 0
        ents.day = today + timedelta(days=delta)
        if wd.group(1) in {None, "this", "coming"} and not week:
            ents.extra["weekday"] = target  # a bare weekday: may refer to a week named earlier
    elif week and not ents.day and not ents.day_end:
        monday = today - timedelta(days=today.weekday())
        if week.group(1) == "this":
            ents.day, ents.day_end = today, monday + timedelta(days=6)
        else:
            ents.day, ents.day_end = monday + timedelta(days=7), monday + timedelta(days=13)
    if not ents.day:
        ents.day = _calendar_day(text, now) or _numeric_day(text, today) or _searched_day(text, now)
    if re.search(r"\b(?:same day|that day|that same day|the same date)\b", text):
        ents.extra["same_day"] = True
    _find_time(text, ents)
    return ents


_AFTER_NEXT = re.compile(rf"\b(?:the )?({WEEKDAY_RE}) after next\b")
_WEEKS_FROM = re.compile(
    rf"\b(a|one|1|2|3|4) weeks? from (today|tomorrow|now|(?:next |this )?(?:{WEEKDAY_RE}))\b"
)
_COUNT = {"a": 1, "one": 1}
_FROM_TO = re.compile(rf"\bfrom (?:this |next )?({WEEKDAY_RE}) to (?:this |next )?({WEEKDAY_RE})\b")


def _next_weekday(today: date, token: str) -> date:
    return today + timedelta(days=(_weekday_index(token) - today.weekday()) % 7 or 7)


def _relative_day(text: str, today: date, ents: Entities) -> None:
    """ "the Tuesday after next", "a week from Friday", "two weeks from today", "next month"."""
    after_next = _AFTER_NEXT.search(text)
    if after_next:
        delta = (_weekday_index(after_next.group(1)) - today.weekday()) % 7 or 7
        ents.day = today + timedelta(days=delta + 7)
        return
    weeks_from = _WEEKS_FROM.search(text)
    if weeks_from:
        count = _COUNT.get(weeks_from.group(1)) or int(weeks_from.group(1))
        anchor = weeks_from.group(2)
        if anchor in {"today", "now"}:
            base = today
        elif anchor == "tomorrow":
            base = today + timedelta(days=1)
        else:
            name = anchor.split()[-1]
            base = today + timedelta(days=(_weekday_index(name) - today.weekday()) % 7 or 7)
        ents.day = base + timedelta(weeks=count)
        return
    monday = today - timedelta(days=today.weekday())
    if re.search(r"\b(?:the )?week after next\b", text):
        ents.day, ents.day_end = monday + timedelta(days=14), monday + timedelta(days=20)
        return
    if re.search(r"\b(?:end of (?:the|this) week|later this week)\b", text):
        ents.day, ents.day_end = max(today, monday + timedelta(days=3)), monday + timedelta(days=5)
        return
    if re.search(r"\bin (?:a )?couple (?:of )?days\b", text):
        ents.day = today + timedelta(days=2)
        return
    if re.search(r"\bnext month\b", text):
        first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        ents.day = first
        ents.day_end = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def _weekday_index(token: str) -> int:
    return next(i for i, name in enumerate(WEEKDAY_NAMES) if name.startswith(token[:3]))


def _numeric_day(text: str, today: date) -> date | None:
    """ "on 12/10": month/day without a year, the next such day from today."""
    match = re.search(r"\b(\d{1,2})/(\d{1,2})\b(?!/)", text)
    if not match:
        return None
    for year in (today.year, today.year + 1):
        try:
            found = date(year, int(match.group(1)), int(match.group(2)))
        except ValueError:
            return None
        if found >= today:
            return found
    return None


def _searched_day(text: str, now: datetime) -> date | None:
    """Anything else that names a month ("the 3rd day of December", "Christmas Eve"): dateparser's
    search, with the call's ``now`` as relative base and a preference for the future."""
    if not re.search(rf"\b(?:{MONTH_RE}|christmas|new year'?s)\b", text):
        return None
    from dateparser.search import search_dates

    found = search_dates(
        text,
        languages=["en"],
        settings={
            "RELATIVE_BASE": now.replace(tzinfo=None),
            "PREFER_DATES_FROM": "future",
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )
    days = [moment.date() for _, moment in found or [] if moment.date() >= now.date()]
    return days[0] if days else None


def _calendar_day(text: str, now: datetime) -> date | None:
    """Month-day phrases and relative offsets, resolved by dateparser against ``now``."""
    phrase = None
    for pattern in (
        rf"\b(?:{MONTH_RE}) \d{{1,2}}\b",
        rf"\b\d{{1,2}} (?:of )?(?:{MONTH_RE})\b",
        r"\bin (?:a|one|\d+) (?:days?|weeks?)\b",
        r"\bthe (\d{1,2})\b(?!:| (?:am|pm|a m|p m|o'?clock|minutes?|one))",
    ):
        match = re.search(pattern, text)
        if match:
            phrase = match.group(0).replace("in a ", "in 1 ").replace("in one ", "in 1 ")
            if phrase.startswith("the "):
                day = int(match.group(1))
                if not 1 <= day <= 31:
                    continue
                phrase = f"{now.strftime('%B')} {day}"
                if day < now.day:
                    month = now.month % 12 + 1
                    phrase = f"{date(2000, month, 1).strftime('%B')} {day}"
            break
    if phrase is None:
        return None
    parsed = dateparser.parse(
        phrase,
        languages=["en"],
        settings={
            "RELATIVE_BASE": now.replace(tzinfo=None),
            "PREFER_DATES_FROM": "future",
            "PREFER_DAY_OF_MONTH": "first",
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )
    return parsed.date() if parsed else None


_QUARTER_TO = re.compile(r"\b(?:a )?quarter (?:to|till|til|before|of) (\d{1,2})\b")
_QUARTER_PAST = re.compile(r"\b(?:a )?quarter (?:past|after) (\d{1,2})\b")
_HALF_PAST = re.compile(r"\bhalf (?:past|after) (\d{1,2})\b")


def spoken_clock(text: str) -> str:
    """ "quarter to 3" → "2:45", "quarter past 10" → "10:15", "half past 2" → "2:30" (digits in, digits out)."""
    text = _QUARTER_TO.sub(lambda m: f"{(int(m.group(1)) - 2) % 12 + 1}:45", text)
    text = _QUARTER_PAST.sub(lambda m: f"{m.group(1)}:15", text)
    return _HALF_PAST.sub(lambda m: f"{m.group(1)}:30", text)


def _find_time(text: str, ents: Entities) -> None:
    text = spoken_clock(text)
    if re.search(r"\bfirst thing\b", text) and not ents.daypart:
        ents.daypart = "morning"
    if re.search(r"\bmorning\b", text):
        ents.daypart = "morning"
    elif re.search(r"\bafternoon\b|\blunch ?time\b|\bafter lunch\b", text):
        ents.daypart = "afternoon"
    elif re.search(r"\bevening\b|\bafter work\b|\blate\b", text):
        ents.daypart = "evening"
    if re.search(r"\bnoon\b|\bmidday\b", text) and not re.search(r"\bafternoon\b", text):
        ents.time_of_day = time(12, 0)
    bound = re.search(r"\b(after|before|by) (\d{1,2})(?::(\d{2})| (\d{2}))? ?(am|pm|a m|p m)?\b", text)
    if bound:
        moment = _clock(bound.group(2), bound.group(3) or bound.group(4), bound.group(5), ents.daypart)
        if moment:
            if bound.group(1) == "after":
                ents.after_time = moment
            else:
                ents.before_time = moment
        text = text.replace(bound.group(0), " ")
    match = re.search(
        r"\b(?:at|around|about|for) (\d{1,2})(?::(\d{2})| (\d{2}))? ?(am|pm|a m|p m|o'?clock)?\b"
        r"(?! ?(?:days?|weeks?|months?|years?|hours?|minutes?|mins?|times?|pills?|mg|people|kids)\b)",
        text,
    )
    if not match:
        match = re.search(r"\b(\d{1,2})(?::(\d{2})| (\d{2}))? ?(am|pm|a m|p m|o'?clock)\b", text)
    if not match:
        match = re.search(r"\b(\d{1,2}):(\d{2})()()\b", text)
    if match:
        moment = _clock(match.group(1), match.group(2) or match.group(3), match.group(4), ents.daypart)
        if moment:
            ents.time_of_day = moment


def _clock(hour_text: str, minute_text: str | None, suffix: str | None, daypart: str | None) -> time | None:
    hour, minute = int(hour_text), int(minute_text or 0)
    if not (1 <= hour <= 12 or 13 <= hour <= 23) or minute > 59:
        return None
    suffix = (suffix or "").replace(" ", "")
    if suffix == "pm" and hour < 12:
        hour += 12
    elif suffix == "am" and hour == 12:
        hour = 0
    elif suffix not in {"am", "pm"} and (
        (daypart in {"afternoon", "evening"} and hour < 12) or (daypart is None and hour < 7)
    ):
        hour += 12
    return time(hour, minute)
