"""Deterministic checks that run on every caller utterance before any model sees it.

The emergency detector must work when every model is down, so it is plain pattern matching over a
normalised transcript: contractions expanded, common speech-to-text slips repaired (per-word fuzzy
match against the few words the patterns need), then phrase patterns per category. Ordinary
sentences that merely contain medical words ("my chest X-ray results") do not match, because the
patterns require the emergency phrasing, not the body part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

_CONTRACTIONS = {
    "can't": "cannot",
    "cant": "cannot",
    "can not": "cannot",
    "couldn't": "could not",
    "couldnt": "could not",
    "won't": "will not",
    "wont": "will not",
    "isn't": "is not",
    "isnt": "is not",
    "don't": "do not",
    "dont": "do not",
    "doesn't": "does not",
    "doesnt": "does not",
    "didn't": "did not",
    "didnt": "did not",
    "i'm": "i am",
    "im": "i am",
    "he's": "he is",
    "she's": "she is",
    "it's": "it is",
    "there's": "there is",
    "wanna": "want to",
    "gonna": "going to",
}
_SLIPS = {
    "chess": "chest",
    "pane": "pain",
    "paine": "pain",
    "breed": "breathe",
    "bleedin": "bleeding",
    "breathin": "breathing",
    "allot": "a lot",
    "attach": "attack",
    "od'd": "overdosed",
}

# Words the patterns rely on; longer transcript words within a small edit distance snap to them.
_VOCAB = [
    "breathe",
    "breathing",
    "breath",
    "bleeding",
    "stroke",
    "suicide",
    "suicidal",
    "overdose",
    "overdosed",
    "overdosing",
    "unconscious",
    "unresponsive",
    "seizure",
    "seizing",
    "choking",
    "drooping",
    "slurred",
    "slurring",
    "numbness",
    "collapsed",
    "poisoned",
    "poisoning",
    "swelling",
    "anaphylaxis",
    "myself",
    "pressure",
    "tightness",
    "squeezing",
    "crushing",
    "gasping",
]

_NEGATION = re.compile(
    r"\b(?:no|not|never|without|denies|do not have|does not have|did not have|not having)\b(?:\s+\w+){0,2}\s*$"
)

_W = r"(?:\w+ ){0,3}"
PATTERNS: dict[str, tuple[str, ...]] = {
    "chest_pain": (
        r"\bchest "
        + r"(?:\w+ ){0,2}(?:pain|pains|hurts|hurting|hurt|pressure|tight|tightness|crushing|squeezing|heavy)\b",
        r"\b(?:pain|pains|pressure|tightness|squeezing|crushing) "
        + _W
        + r"(?:in|on|across) (?:my|his|her|the|their) chest\b",
        r"\bheart attack\b",
    ),
    "breathing": (
        r"\b(?:cannot|could not|not able to|unable to|hard to|struggling to|trouble|difficulty|hard time|barely) (?:\w+ ){0,2}breath(?:e|ing)?\b",
        r"\bshort(?:ness)? of breath\b",
        r"\b(?:not|stopped|is not|quit) breathing\b",
        r"\bchoking\b",
        r"\bgasping for (?:air|breath)\b",
        r"\blips (?:are |is )?(?:turning )?blue\b",
    ),
    "stroke": (
        r"\b(?:having|has|is having) a stroke\b",
        r"\b(?:just )?had a stroke\b(?! (?:last|in|a few|\d+|years?|months?|back|before|some|when|ago))",
        r"\bthink " + _W + r"(?:a )?stroke\b",
        r"\b(?:stroke symptoms|signs of a stroke|stroke right now)\b",
        r"\bface (?:is )?(?:drooping|droopy|numb|going numb)\b",
        r"\b(?:drooping|droopy) (?:face|mouth)\b",
        r"\bslurr(?:ed|ing) " + r"(?:\w+ ){0,1}(?:speech|words|talking)\b",
        r"\b(?:speech|words) (?:is |are )?slurr(?:ed|ing)\b",
        r"\b(?:cannot|can not|could not) (?:move|feel|lift) (?:my|his|her|their) (?:arm|leg|face|left|right)\b",
        r"\b(?:numbness|numb|weakness|weak) (?:\w+ ){0,2}one side\b",
    ),
    "bleeding": (
        r"\bbleeding "
        + r"(?:\w+ ){0,2}(?:a lot|badly|heavily|will not stop|does not stop|is not stopping|everywhere|profusely|nonstop|non stop)\b",
        r"\b(?:will not|cannot|could not) stop (?:the )?bleeding\b",
        r"\b(?:severe|heavy|uncontrolled|lots of|so much) (?:\w+ ){0,1}bleeding\b",
        r"\b(?:blood everywhere|so much blood|lot of blood|losing blood)\b",
        r"\b(?:coughing up|vomiting|throwing up) blood\b",
    ),
    "suicidal": (
        r"\b(?:kill|killing|hurt|hurting|harm|harming) (?:my ?self|himself|herself)\b",
        r"\bsuicid(?:e|al)\b",
        r"\b(?:end|ending|take|taking) (?:my|his|her) (?:own )?life\b",
        r"\bend it all\b",
        r"\b(?:want|going|wish|ready) to die\b",
        r"\b(?:no reason to live|better off dead)\b",
        r"\bdo not want to (?:be alive|live|wake up)\b",
    ),
    "overdose": (
        r"\boverdos(?:e|ed|ing)\b",
        r"\b(?:took|swallowed|taken|ate) " + r"(?:\w+ ){0,4}(?:too many|whole bottle|bottle of|handful of)\b",
        r"\b(?:poisoned|poisoning)\b",
        r"\bdrank " + r"(?:\w+ ){0,1}(?:bleach|antifreeze|poison)\b",
    ),
    "unresponsive": (
        r"\b(?:unconscious|unresponsive|not responding|passed out|will not wake up|collapsed|fainted and)\b",
        r"\b(?:seizure|seizing|convulsing|convulsions)\b",
        r"\b(?:throat|tongue) (?:is )?(?:closing|swelling|swollen)\b",
        r"\b(?:anaphylaxis|anaphylactic|severe allergic reaction)\b",
    ),
}
_COMPILED = {category: [re.compile(p) for p in pats] for category, pats in PATTERNS.items()}

INJECTION_PATTERNS = tuple(
    re.compile(p)
    for p in (
        r"\b(?:ignore|disregard|forget|override|bypass) "
        + _W
        + r"(?:instructions|rules|prompt|programming|guidelines|training|policy|policies)\b",
        r"\b(?:system|developer) (?:prompt|message|mode)\b",
        r"\bjailbreak\b",
        r"\byou are now\b",
        r"\bpretend (?:to be|you are)\b",
        r"\b(?:reveal|repeat|print|show) " + _W + r"(?:instructions|prompt)\b",
        r"\b(?:read|list|give|tell|show|send|dump|export) (?:me )?(?:\w+ ){0,2}(?:all|every|other|everyone'?s?) (?:of )?(?:the )?(?:patients?|records|appointments|dates of birth|phone numbers)\b",
        r"\b(?:all|every|other) patients?'? (?:records|names|appointments|information|data|details)\b",
        r"\beveryone'?s? (?:appointments|records|information|details|data)\b",
        r"\b(?:dump|drop) (?:the )?(?:database|table)\b",
        r"\bi am (?:the|a) (?:doctor|administrator|admin|developer)\b.*\b(?:access|records|list|all)\b",
    )
)


@dataclass(frozen=True)
class EmergencyHit:
    category: str


def normalise(text: str) -> str:
    """Lower-case, unify apostrophes, expand contractions and repair common STT slips."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    words = [_SLIPS.get(w, w) for w in text.split()]
    words = [_snap(w) for w in words]
    joined = " " + " ".join(words) + " "
    joined = re.sub(r" over (dos(?:e|ed|ing)) ", r" over\1 ", joined)
    for short, long in _CONTRACTIONS.items():
        joined = joined.replace(f" {short} ", f" {long} ")
    return re.sub(r"'", "", joined).strip()


@lru_cache(maxsize=4096)
def _snap(word: str) -> str:
    if len(word) < 6 or word in _VOCAB:
        return word
    match = process.extractOne(word, _VOCAB, scorer=fuzz.ratio, score_cutoff=84)
    return match[0] if match else word


def detect_emergency(text: str) -> EmergencyHit | None:
    """The first emergency category the utterance matches, or None."""
    norm = normalise(text)
    for category, patterns in _COMPILED.items():
        for pattern in patterns:
            for match in pattern.finditer(norm):
                if category in {"chest_pain", "bleeding"} and _NEGATION.search(norm[: match.start()]):
                    continue
                return EmergencyHit(category)
    return None


def detect_injection(text: str) -> bool:
    """True when the caller tries to change the agent's instructions or reach other people's data."""
    norm = normalise(text)
    return any(p.search(norm) for p in INJECTION_PATTERNS)


def emergency_reply(hit: EmergencyHit) -> str:
    """What the agent says on an emergency: deterministic, no model involved."""
    reply = (
        "This sounds like a medical emergency. Please hang up and call 911 right now, "
        "or go to the nearest emergency room. I'm alerting our staff as well."
    )
    if hit.category == "suicidal":
        reply += " You can also call or text 988, the Suicide and Crisis Lifeline, any time."
    return reply


INJECTION_REPLY = "I can only help with your own appointments and questions about the practice. What can I help you with today?"
