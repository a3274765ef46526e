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
from reddytalk.agent.matching import find_provider, find_type, spelled_out
from reddytalk.agent.text import find_phone, strip_fillers, words_to_numbers
from reddytalk.agent.text import normalise as clean
from reddytalk.practice.models import AppointmentType, Provider

YES = re.compile(
    r"^(?:yes|yeah|yea|yep|yup|ya|sure|correct|right|ok|okay|okey|alright|all right|please do|please|"
    r"sounds (?:good|great|fine|perfect)|that works|that would work|that'?d work|that should work|works for me|"
    r"that'?s right|that is right|perfect|great|absolutely|definitely|certainly|of course|go ahead|do it|"
    r"book it|let'?s do (?:it|that)|that'?s fine|that is fine|that'?s good|fine|good|uh huh|mm hmm|mhm|"
    r"affirmative|i think so|i guess(?: so)?|i suppose|that one|the one you said|exactly|"
    r"that'?s (?:perfect|great|good|fine|correct|right|it)|that would be (?:great|perfect|fine|good)|i'?ll take (?:it|that)|"
    r"works|yes please|sure thing|you bet|go for it)\b"
)
NO = re.compile(r"^(?:no|nope|nah|not really|negative|don'?t|do not|wait|hold on|never mind|nevermind)\b")
ABANDON = re.compile(
    r"\b(?:never ?mind|forget (?:it|about it)|don'?t bother|leave it(?: as it is)?|keep it|keep my appointment|not anymore)\b"
)
# "keep it, just move it": keeping the appointment but changing its time is not giving up.
KEEP_BUT_MOVE = re.compile(r"\b(?:move|change|push|switch|shift|reschedule|different (?:day|time))\b")
# "anything later?", "something earlier", "a different day": move the search relative to the offers.
SHIFTS = (
    (
        re.compile(
            r"\b(?:anything|something|any time|a time|nothing|one|slot) later\b|\blater (?:in the day|on|time|that day)\b|\bafter that\b"
        ),
        "later",
    ),
    (
        re.compile(
            r"\b(?:anything|something|any time|a time|nothing|one|slot) earlier\b|\bearlier (?:in the day|time|that day)\b|\bbefore that\b"
        ),
        "earlier",
    ),
    (
        re.compile(
            r"\b(?:a |any )?(?:different|another|other) day\b|\bnext day\b|\bday after\b(?! tomorrow)"
        ),
        "next_day",
    ),
)
_REPEATS = re.compile(r"\b([a-z']+)(?: \1\b)+")  # words only: "5 5 5" is part of a phone number
DONE = re.compile(r"\b(?:that'?s all|that'?s it|that is all|nothing else|i'?m all set|good ?bye|bye)\b")
TASK_WORDS = (
    ("cancel", re.compile(r"\b(?:cancel|call off|remove my appointment|take me off)\b")),
    (
        "new_patient",
        re.compile(
            r"\b(?:(?:i'?m|i am|we'?re|as) (?:a )?new (?:patient|here)|new patients?(?! visit)|(?:accepting|taking) (?:new )?patients|never been (?:there|here|seen|to (?:your|the) (?:office|practice|clinic))"
            r"|become a patient|not a patient (?:yet|there)|haven'?t been (?:there|here|to your office) before"
            r"|register as a (?:new )?patient|first time (?:calling|patient|coming)|looking for a new (?:doctor|primary care)"
            r"|switch(?:ing)? (?:my care )?to your (?:practice|office|clinic)|transfer my care|establish care"
            r"|new to the area|need a (?:new )?(?:primary care|family) (?:doctor|physician|provider)|don'?t have a (?:doctor|primary care)"
            r"|looking for a (?:new )?(?:doctor|pcp|primary care|family doctor))\b"
        ),
    ),
    (
        "reschedule",
        re.compile(
            r"\b(?:reschedule|re schedule|rebook|postpone|(?:move|push|bump|switch|shift) (?:my|the|our|his|her|it|one of)"
            r"|change (?:my|the|our|his|her) (?:\w+ )?(?:appointment|visit|physical|follow up|checkup|vaccination|time|date))\b"
        ),
    ),
    (
        "message_running_late",
        re.compile(
            r"\b(?:running (?:a (?:bit|little) |about \w+ minutes |\w+ minutes )?(?:late|behind)|going to be (?:a (?:bit|little) |\w+ minutes )?late"
            r"|gonna be (?:a (?:bit|little) )?late|be (?:about |around |like )?(?:a few|a couple of|\w+) minutes late"
            r"|stuck in traffic|late for my (?:\w+ )?(?:appointment|visit)|running behind|be there late|be a little late|be a bit late)\b"
        ),
    ),
    (
        "message_refill",
        re.compile(
            r"\b(?:refill|refills|refilled|renew (?:my|a) (?:prescription|medication)|prescription renewal"
            r"|ran out of my|run out of my|running out of my|more of my (?:medication|meds|pills|prescription)"
            r"|prescription (?:renewed|renewal|refilled)|renew(?:ed)? my (?:\w+ ){0,3}(?:prescription|medication|meds)"
            r"|out of (?:my )?(?:medication|meds|pills|inhaler|insulin)|new prescription for|need more (?:of my )?(?:pills|medication|meds))\b"
        ),
    ),
    (
        "message_callback",
        re.compile(
            r"\b(?:call me back|callback|call back|call me|give me a call|return my call|get back to me"
            r"|have (?:someone|somebody|the doctor|a nurse|the nurse|dr \w+|doctor \w+) (?:call|get back to|phone|ring) me)\b"
        ),
    ),
    (
        "message_other",
        re.compile(
            r"\b(?:leave a message|take a message|pass (?:on |along )?a message|give (?:dr \w+|doctor \w+|the doctor|the nurse|them) a message"
            r"|message for (?:dr|doctor|the doctor|the nurse|\w+)|let (?:dr \w+|doctor \w+|the doctor|the nurse|them|the office|someone) know"
            r"|tell (?:dr \w+|doctor \w+|the doctor|the nurse) (?:that|about))\b"
        ),
    ),
    (
        "appointments",
        re.compile(
            r"\b(?:when is my|when'?s my|what time is my|what time'?s my|what'?s the time of|what day is my|do i have an appointment|do i have anything"
            r"|my next appointment|check (?:on )?my appointment|confirm (?:my|the|our|his|her) (?:\w+ )?(?:appointment|visit)"
            r"|is my (?:\w+ )?(?:appointment|visit) still|still on for|still have (?:my|an) appointment"
            r"|remind me when|what time do i (?:need to|have to) (?:come|be)|when my (?:next )?appointment is"
            r"|forgot (?:when|what time|what day)|don'?t remember when|what'?s the time of my"
            r"|is my (?:\w+ )?(?:appointment|visit) (?:today|tomorrow|on|at|this|next)|have an appointment (?:today|tomorrow|on|this|next))\b"
        ),
    ),
    (
        "book",
        re.compile(
            r"\b(?:book|make an appointment|schedule (?:a|an|my)|set up an appointment|need an appointment|want an appointment|like an appointment|get an appointment"
            r"|get (?:it|this|that|him|her|me|them) (?:looked at|checked(?: out)?|seen)|(?:can|could) (?:i|he|she|we) be seen|need to be seen"
            r"|get in to see|come in (?:to see|and see|for)|see (?:a|the) (?:doctor|provider|nurse practitioner))\b"
        ),
    ),
)
# A task for someone else: "for my son", "my daughter's checkup" (the patient is a family member).
FAMILY = re.compile(
    r"\bmy (son|daughter|child|kid|baby|boy|girl|husband|wife|partner|mother|mom|father|dad|grandson|granddaughter|little one"
    r"|grandmother|grandma|grandfather|grandpa|brother|sister|mother in law|father in law)(?:'?s)?\b"
)


def family_member(text: str) -> str | None:
    """The family member a request is for ("my son's vaccination" → "son")."""
    match = FAMILY.search(clean(text))
    return match.group(1) if match else None


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


ANY_CHOICE = re.compile(
    r"\b(?:any (?:of (?:them|those)|one)(?: is| are| would be| works)?(?: fine| good| ok(?:ay)?)?|either (?:one|is fine)"
    r"|whichever(?: is)?(?: first| earliest| fine)?|doesn'?t matter|don'?t mind|i'?m flexible)\b"
)


def find_choice(text: str) -> int | None:
    match = CHOICE_RE.search(text)
    if not match:
        return 0 if ANY_CHOICE.search(text) else None
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
    said = clean(raw)
    cleaned = spelled_out(strip_fillers(said))
    choice = find_choice(cleaned)
    if choice is not None:
        cleaned = CHOICE_RE.sub(" ", cleaned)
    text = _REPEATS.sub(r"\1", words_to_numbers(cleaned))  # "I I um need" → "I need"
    dob, rest = find_dob(text, now.date())
    ents = find_when(rest, now)
    ents.dob = dob
    # A name said next to a date of birth is an introduction even when nobody asked for it.
    ents.name = find_name(rest, expecting=expecting_name or dob is not None, common=common_words, raw=raw)
    ents.phone = find_phone(rest)
    ents.shift = next((name for pattern, name in SHIFTS if pattern.search(rest)), None)
    ents.provider_id = find_provider(rest, providers)
    ents.type_id = find_type(rest, types)
    ents.yes = bool(YES.search(text) or YES.search(said))
    ents.no = bool(NO.search(text)) and not ents.yes
    ents.correction = bool(CORRECTION.search(text)) or (ents.no and ents.has_when)
    ents.choice = choice
    ents.abandon = bool(ABANDON.search(text)) and not KEEP_BUT_MOVE.search(text)
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
