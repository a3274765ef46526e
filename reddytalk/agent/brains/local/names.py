"""Callers' names in what they said: after a cue ("my name is", "it's"), or bare when asked."""

from __future__ import annotations

import re

from reddytalk.agent.brains.local.dates import MONTHS, WEEKDAY_NAMES

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


# --- names ---------------------------------------------------------------------------------------
NAME_CUE = re.compile(
    r"\b(my name is|my name's|name is|the name is|this is|i am|i'm|im|it is|it's|patient is|for)\s+([a-z' ]+)"
)
STRONG_CUES = {
    "my name is",
    "my name's",
    "name is",
    "the name is",
}  # what follows is a name, whatever the words


# "Ana Ruiz here", "Maria Gonzalez speaking", "hi, Ana Ruiz calling": the name comes before the cue.
NAME_BEFORE_CUE = re.compile(
    r"(?:^|\b(?:hi|hello|hey|yes|yeah|oh)\b)\s*([a-z' ]+?)\s+(?:here|speaking|calling)\b"
)


# "first name Ana, last name Ruiz"
FIRST_LAST = re.compile(
    r"\b(?:first|1) name (?:is )?([a-z'-]+)[ ,]+(?:and )?(?:my )?last name (?:is )?([a-z'-]+)"
)
WEAK_CUES = {"i am", "i'm", "im"}  # "I'm running late": only a name when said (written) like one


def _written_as_name(candidate: str, raw: str) -> bool:
    """Each word capitalised in the raw text, when the raw text capitalises anything at all."""
    if not re.search(r"[A-HJ-Z]", raw):  # all lower case (some STT output): nothing to go by
        return True
    return all(re.search(rf"\b{re.escape(w[:1].upper() + w[1:])}", raw) for w in candidate.split())


def find_name(
    text: str, *, expecting: bool, common: frozenset[str] = frozenset(), raw: str = ""
) -> str | None:
    """A spoken full name after a cue ('my name is …'), or the bare words when the agent asked for it.

    ``common`` holds ordinary words (the intent training vocabulary): a bare phrase made of them is
    a sentence, not a name.
    """
    parts = FIRST_LAST.search(text)
    if parts:
        return f"{parts.group(1)} {parts.group(2)}"
    candidate = None
    for match in NAME_CUE.finditer(text):
        strong = match.group(1) in STRONG_CUES
        candidate = _name_words(match.group(2), frozenset() if strong else common, anchored=True)
        if candidate and (match.group(1) not in WEAK_CUES or _written_as_name(candidate, raw)):
            return candidate
        candidate = None
    before = NAME_BEFORE_CUE.search(text)
    if before:
        words = before.group(1).split()
        candidate = _name_words(" ".join(words[-4:]), common)
        if candidate and candidate.split()[-1] == words[-1]:
            return candidate
    if expecting:
        candidate = _name_words(text, common)
        words = text.split()
        if candidate is None and 2 <= len(words) <= 4:  # a bare answer to "your name?": "Daniel Park"
            loose = _name_words(text)
            if loose and set(loose.split()) - common and _written_as_name(loose, raw):
                candidate = loose
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
