"""Slot extraction for the local brain: names, dates of birth, appointment days and times,
providers, appointment types, yes/no and choices, from one (possibly mis-transcribed) utterance.

Spoken numbers are turned into digits first ("nineteen eighty four" → 1984, "ten thirty" → 10 30),
then day expressions are resolved against the injected ``now``: weekdays and relative words here,
calendar phrases ("December 3rd", "in two weeks") by ``dateparser``.
"""

from __future__ import annotations

import re
from datetime import datetime

from reddytalk.agent.brains.local.dates import Entities, find_dob, find_when
from reddytalk.agent.brains.local.names import find_name
from reddytalk.agent.matching import find_provider, find_type
from reddytalk.agent.text import normalise as clean
from reddytalk.agent.text import words_to_numbers
from reddytalk.practice.models import AppointmentType, Provider

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
