"""The one matcher of what a caller said against the practice's own data: providers, appointment
types and patients' names. The local brain (reading an utterance) and the tools (checking what a
brain or a model passed) both use it, so they cannot disagree about who "Doctor Patel" is.

Names are compared the way speech-to-text gets them wrong: spelling slips (rapidfuzz) and sound-alike
spellings (jellyfish's metaphone and NYSIIS codes), so "Gonzales", "Kowalsky" or "Ramen" still find
"Gonzalez", "Kowalski" and "Raman" when the date of birth matches exactly.
"""

from __future__ import annotations

import re
from functools import lru_cache

import jellyfish
from nicknames import NickNamer
from rapidfuzz import fuzz

from reddytalk.agent.text import letters, normalise
from reddytalk.practice.models import AppointmentType, Provider

TITLES = {"dr", "doctor", "np", "md", "nurse", "practitioner", "the"}
FIRST_NAME_MATCH = 85  # the first name must be nearly exact
LAST_NAME_MATCH = 80  # the surname may carry an STT slip (one syllable off, a sound-alike spelling)
PROVIDER_MATCH = 80
TYPE_MATCH = 70


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
        "the flu",
        "coming down with",
        "not feeling good",
        "feeling sick",
        "feel sick",
        "looked at",
        "checked out",
        "killing me",
        "hurts",
        "pain",
        "sinus",
        "stomach bug",
        "throwing up",
        "vomiting",
    ),
    "follow": ("follow up", "followup", "follow", "recheck", "go over", "results visit", "check back"),
    "new": ("new patient", "first visit", "never been", "first time"),
    "vaccin": ("vaccine", "vaccination", "shot", "flu shot", "immunization", "booster", "jab"),
}


def find_type(text: str, types: list[AppointmentType]) -> str | None:
    """The appointment type an utterance (normalised) mentions, by name or a common synonym."""
    best, best_len = None, 0
    for kind in types:
        name = normalise(kind.name)
        phrases = {name, *name.split()} - {"visit", "appointment", "patient"}
        for root, synonyms in _TYPE_SYNONYMS.items():
            if root in name:
                phrases.update(synonyms)
        for phrase in phrases:
            if len(phrase) >= 3 and re.search(rf"\b{re.escape(phrase)}\b", text) and len(phrase) > best_len:
                best, best_len = kind.id, len(phrase)
    return best


def find_provider(text: str, providers: list[Provider]) -> str | None:
    """The provider an utterance (normalised) mentions, by a name word (fuzzy) or specialty."""
    words = [w for w in text.split() if len(w) >= 4]
    best, score = None, 0.0
    for provider in providers:
        names = [w for w in normalise(provider.name).split() if len(w) >= 4 and w not in {"doctor"}]
        for name in names:
            for word in words:
                points = fuzz.ratio(word, name)
                if points > score and points >= 84:
                    best, score = provider.id, points
        specialty = normalise(provider.specialty)
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


def match_provider(said: str, providers: list[Provider]) -> Provider | None:
    """A provider by id, or by what was said ("doctor patel", "Sofia Rivera", "the pediatrician")."""
    for provider in providers:
        if provider.id == said:
            return provider
    text = " ".join(w for w in normalise(said).split() if w not in TITLES)
    found = find_provider(text, providers)
    if found is None:  # a single short name ("Chen") is below find_provider's 4-letter floor
        words = text.split()
        best, points = None, 0.0
        for provider in providers:
            for part in (w for w in letters(provider.name).split() if w not in TITLES):
                for word in words:
                    score = fuzz.ratio(word, part)
                    if score > points:
                        best, points = provider, score
        return best if points >= PROVIDER_MATCH else None
    return next(p for p in providers if p.id == found)


def match_type(said: str | None, types: list[AppointmentType]) -> AppointmentType | None:
    """An appointment type by id, by name or synonym, or by a close spelling; None if nothing fits."""
    if not said:
        return None
    for kind in types:
        if kind.id == said:
            return kind
    text = normalise(said)
    found = find_type(text, types)
    if found is not None:
        return next(k for k in types if k.id == found)
    scored = [(fuzz.token_set_ratio(text, normalise(k.name)), k) for k in types]
    points, best = max(scored, key=lambda pair: pair[0])
    return best if points >= TYPE_MATCH else None


def surname_similarity(said: str, record: str) -> float:
    """0-100: spelling closeness, lifted to 92 when the two sound alike (metaphone or NYSIIS)."""
    a, b = letters(said).replace(" ", ""), letters(record).replace(" ", "")
    if not a or not b:
        return 0.0
    score = fuzz.ratio(a, b)
    if jellyfish.metaphone(a) == jellyfish.metaphone(b) or jellyfish.nysiis(a) == jellyfish.nysiis(b):
        score = max(score, 92.0)
    return float(max(score, jellyfish.jaro_winkler_similarity(a, b) * 100 - 5))


@lru_cache(maxsize=1)
def _nicknames() -> NickNamer:
    return NickNamer()  # a curated table shipped with the package: loaded once, no network


def given_matches(said: str, record: str) -> bool:
    """A first name as said: a close spelling, or a common nickname ("Bob" for Robert, "Jim" for James)."""
    if fuzz.ratio(said, record) >= FIRST_NAME_MATCH:
        return True
    names = _nicknames()
    return record in names.canonicals_of(said) or said in names.nicknames_of(record)


def name_matches(said: str, first: str, last: str) -> bool:
    """Does a spoken full name ("maria gonzales", "gonzalez maria") name this record?

    The date of birth has already matched exactly; the first name must be nearly exact and the
    surname close in spelling or sound. Word order is tried both ways.
    """
    words = letters(said).split()
    if len(words) < 2:
        return False
    first_l, last_l = letters(first), letters(last)
    given_l = first_l.split()[0] if first_l else ""
    pairs = []  # (given, family) read both ways from every position: "sorry, robert kowalski"
    for i, word in enumerate(words):
        for width in (1, 2):
            family = " ".join(words[i + 1 : i + 1 + width])
            if family:
                pairs.append((word, family))
        if i + 1 < len(words):
            pairs.append((words[i + 1], word))
    for given, family in pairs:
        if given_matches(given, given_l) and surname_similarity(family, last_l) >= LAST_NAME_MATCH:
            return True
    return fuzz.token_sort_ratio(" ".join(words), f"{first_l} {last_l}") >= 90


def spelled_out(text: str) -> str:
    """Join letters spelled one by one ("g o n z a l e z") into a word ("gonzalez")."""
    return re.sub(r"\b(?:[a-z] ){2,}[a-z]\b", lambda m: m.group(0).replace(" ", ""), text)
