"""Slot extraction for the local brain: names, dates of birth, appointment days and times,
providers, appointment types, yes/no and choices, from one (possibly mis-transcribed) utterance.

Spoken numbers are turned into digits first ("nineteen eighty four" → 1984, "ten thirty" → 10 30),
then day expressions are resolved against the injected ``now``: weekdays and relative words here,
calendar phrases ("December 3rd", "in two weeks") by ``dateparser``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import dateparser
from rapidfuzz import fuzz

from reddytalk.agent.text import normalise as clean
from reddytalk.agent.text import words_to_numbers
from reddytalk.practice.models import AppointmentType, Provider

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

YES = re.compile(
    r"^(?:yes|yeah|yep|yup|sure|correct|right|ok|okay|please do|please|sounds good|that works|that'?s right|"
    r"perfect|great|absolutely|definitely|go ahead|do it|book it|that'?s fine|fine|uh huh|mm hmm|affirmative)\b"
)
NO = re.compile(r"^(?:no|nope|nah|not really|negative|don'?t|do not|wait|hold on|never mind|nevermind)\b")
ABANDON = re.compile(
    r"\b(?:never ?mind|forget (?:it|about it)|don'?t bother|leave it(?: as it is)?|keep it|keep my appointment|not anymore)\b"
)
DONE = re.compile(r"\b(?:that'?s all|that'?s it|that is all|nothing else|i'?m all set|good ?bye|bye)\b")
TASK_WORDS = (
    ("cancel", re.compile(r"\b(?:cancel|call off|remove my appointment|take me off)\b")),
    (
        "reschedule",
        re.compile(
            r"\b(?:reschedule|re schedule|rebook|postpone|(?:move|push|bump|switch|shift) (?:my|the|our|his|her|one of)"
            r"|change (?:my|the|our|his|her) (?:\w+ )?(?:appointment|visit|physical|follow up|checkup|vaccination|time|date))\b"
        ),
    ),
    (
        "appointments",
        re.compile(
            r"\b(?:when is my|what time is my|do i have an appointment|my next appointment|check my appointment)\b"
        ),
    ),
    (
        "book",
        re.compile(
            r"\b(?:book|make an appointment|schedule (?:a|an|my)|set up an appointment|need an appointment|want an appointment|like an appointment|get an appointment)\b"
        ),
    ),
)


def task_words(text: str) -> str | None:
    """A task named outright ("cancel", "reschedule", "book"), checked in that priority order."""
    lowered = clean(text)
    for task, pattern in TASK_WORDS:
        if pattern.search(lowered):
            return task
    return None


CORRECTION = re.compile(
    r"\b(?:i said|i meant|i mean|actually|not .{1,20} but|instead|rather|make that|change (?:it|that) to)\b"
)

_STOP_NAME = set(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "is",
        "it",
        "its",
        "it's",
        "i",
        "i'm",
        "im",
        "my",
        "me",
        "this",
        "that",
        "yes",
        "yeah",
        "no",
        "hi",
        "hello",
        "hey",
        "um",
        "uh",
        "er",
        "so",
        "well",
        "okay",
        "ok",
        "name",
        "names",
        "born",
        "birth",
        "date",
        "dob",
        "of",
        "on",
        "in",
        "at",
        "to",
        "for",
        "from",
        "with",
        "please",
        "thanks",
        "thank",
        "you",
        "sure",
        "am",
        "was",
        "be",
        "calling",
        "call",
        "would",
        "like",
        "want",
        "need",
        "book",
        "appointment",
        "schedule",
        "cancel",
        "reschedule",
        "move",
        "see",
        "doctor",
        "dr",
        "dr.",
        "patient",
        "checkup",
        "visit",
        "just",
        "speaking",
        "here",
        "there",
        "its",
    ]
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
        (r"\b(\d{1,2})/(\d{1,2})/(\d{2})\b", "mdy_short"),
        (rf"\b(?:born|birth|dob|birthday)\b.*?\b({MONTH_RE}) (\d{{1,2}}),? (\d{{2}})\b", "mdy_short_named"),
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


# --- names ---------------------------------------------------------------------------------------
NAME_CUE = re.compile(
    r"\b(?:my name is|my name's|name is|this is|i am|it is|it's|the name is|patient is|for)\s+([a-z' ]+)"
)


def find_name(text: str, *, expecting: bool, common: frozenset[str] = frozenset()) -> str | None:
    """A spoken full name after a cue ('my name is …'), or the bare words when the agent asked for it.

    ``common`` holds ordinary words (the intent training vocabulary): a bare phrase made of them is
    a sentence, not a name.
    """
    candidate = None
    for match in NAME_CUE.finditer(text):
        candidate = _name_words(match.group(1), common, anchored=True)
        if candidate:
            return candidate
    if expecting:
        candidate = _name_words(text, common)
    return candidate


def _name_words(chunk: str, common: frozenset[str] = frozenset(), *, anchored: bool = False) -> str | None:
    """The first run of 2-4 name-like words (right at the start when ``anchored``, i.e. after a cue)."""
    run: list[str] = []
    for word in chunk.split():
        plain = word.replace("'", "")
        namelike = (
            plain.isalpha()
            and word not in _STOP_NAME
            and word not in MONTHS
            and word not in WEEKDAY_NAMES
            and word not in common
        )
        if namelike:
            run.append(word)
            if len(run) == 4:
                break
            continue
        if len(run) >= 2 or anchored:
            break
        run = []
    return " ".join(run) if 2 <= len(run) <= 4 else None


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
    week = re.search(r"\b(next|this|the following) week\b", text)
    wd = re.search(rf"\b(next|this|coming|following)?\s*({WEEKDAY_RE})\b", text)
    if wd and not ents.day:
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
    elif week and not ents.day:
        monday = today - timedelta(days=today.weekday())
        if week.group(1) == "this":
            ents.day, ents.day_end = today, monday + timedelta(days=6)
        else:
            ents.day, ents.day_end = monday + timedelta(days=7), monday + timedelta(days=13)
    if not ents.day:
        ents.day = _calendar_day(text, now)
    if re.search(r"\b(?:same day|that day|that same day|the same date)\b", text):
        ents.extra["same_day"] = True
    _find_time(text, ents)
    return ents


def _weekday_index(token: str) -> int:
    return next(i for i, name in enumerate(WEEKDAY_NAMES) if name.startswith(token[:3]))


def _calendar_day(text: str, now: datetime) -> date | None:
    """Month-day phrases and relative offsets, resolved by dateparser against ``now``."""
    phrase = None
    for pattern in (
        rf"\b(?:{MONTH_RE}) \d{{1,2}}\b",
        rf"\b\d{{1,2}} (?:of )?(?:{MONTH_RE})\b",
        r"\bin (?:a|one|\d+) (?:days?|weeks?)\b",
        r"\bthe (\d{1,2})\b(?! (?:am|pm|o'?clock|minutes?))",
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


def _find_time(text: str, ents: Entities) -> None:
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
        r"\b(?:at|around|about|for) (\d{1,2})(?::(\d{2})| (\d{2}))? ?(am|pm|a m|p m|o'?clock)?\b", text
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


# --- providers, types, choices ---------------------------------------------------------------------
_TYPE_SYNONYMS = {
    "physical": ("physical", "checkup", "check up", "annual", "wellness", "yearly", "exam"),
    "sick": (
        "sick",
        "not feeling well",
        "fever",
        "cough",
        "cold",
        "flu symptoms",
        "sore throat",
        "ear infection",
        "rash",
        "infection",
        "feeling unwell",
        "ill",
    ),
    "follow": ("follow up", "followup", "follow", "recheck", "go over", "results visit", "check back"),
    "new": ("new patient", "first visit", "never been", "first time"),
    "vaccin": ("vaccine", "vaccination", "shot", "flu shot", "immunization", "booster", "jab"),
}


def find_type(text: str, types: list[AppointmentType]) -> str | None:
    best, best_len = None, 0
    for kind in types:
        name = clean(kind.name)
        phrases = {name, *name.split()} - {"visit", "appointment", "patient"}
        for root, synonyms in _TYPE_SYNONYMS.items():
            if root in name:
                phrases.update(synonyms)
        for phrase in phrases:
            if len(phrase) >= 3 and re.search(rf"\b{re.escape(phrase)}\b", text) and len(phrase) > best_len:
                best, best_len = kind.id, len(phrase)
    return best


def find_provider(text: str, providers: list[Provider]) -> str | None:
    words = [w for w in text.split() if len(w) >= 4]
    best, score = None, 0.0
    for provider in providers:
        names = [w for w in clean(provider.name).split() if len(w) >= 4 and w not in {"doctor"}]
        for name in names:
            for word in words:
                points = fuzz.ratio(word, name)
                if points > score and points >= 84:
                    best, score = provider.id, points
        specialty = clean(provider.specialty)
        said = specialty in text or (
            "pediatric" in specialty and re.search(r"\bpediatrician\b|\bkids? doctor\b", text)
        )
        if said and score < 84:
            best, score = provider.id, 84
        if (
            "nurse practitioner" in specialty
            and re.search(r"\bnurse practitioner\b|\bthe np\b", text)
            and score < 84
        ):
            best, score = provider.id, 84
    return best


_CHOICE_WORDS = {
    "first": 0,
    "1": 0,
    "earlier": 0,
    "earliest": 0,
    "second": 1,
    "2": 1,
    "middle": 1,
    "third": 2,
    "3": 2,
    "last": -1,
    "later": -1,
    "latest": -1,
}


CHOICE_RE = re.compile(
    r"\b(?:the )?(first|second|third|last|earlier|earliest|later|latest|middle|1|2|3)(?: one| option| slot| time)\b"
    r"|\bthe (first|second|third|last|earlier|later)\b(?! (?:of|week|day|thing))"
)


def find_choice(text: str) -> int | None:
    match = CHOICE_RE.search(text)
    if not match:
        return None
    return _CHOICE_WORDS[match.group(1) or match.group(2)]


def extract(
    raw: str,
    now: datetime,
    *,
    providers: list[Provider],
    types: list[AppointmentType],
    expecting_name: bool = False,
    common_words: frozenset[str] = frozenset(),
) -> Entities:
    """Everything one utterance says; dates of birth are taken out before appointment days are read."""
    cleaned = clean(raw)
    choice = find_choice(cleaned)
    if choice is not None:
        cleaned = CHOICE_RE.sub(" ", cleaned)
    text = words_to_numbers(cleaned)
    dob, rest = find_dob(text, now.date())
    ents = find_when(rest, now)
    ents.dob = dob
    ents.name = find_name(rest, expecting=expecting_name, common=common_words)
    ents.provider_id = find_provider(rest, providers)
    ents.type_id = find_type(rest, types)
    ents.yes = bool(YES.search(text))
    ents.no = bool(NO.search(text)) and not ents.yes
    ents.correction = bool(CORRECTION.search(text)) or (ents.no and ents.has_when)
    ents.choice = choice
    ents.abandon = bool(ABANDON.search(text))
    ents.done = bool(DONE.search(text))
    if ents.abandon or ents.done:
        ents.correction = False
    if ents.name and ents.provider_id:
        provider_words = set(clean(_provider_name(providers, ents.provider_id)).split())
        if expecting_name and set(ents.name.split()) & provider_words:
            ents.provider_id = None  # asked for their name: "Anita Patel" is the caller, not the doctor
        elif set(ents.name.split()) <= provider_words:
            ents.name = None  # "… for Anita Patel" named the doctor
    return ents


def _provider_name(providers: list[Provider], provider_id: str) -> str:
    return next(p.name for p in providers if p.id == provider_id)
