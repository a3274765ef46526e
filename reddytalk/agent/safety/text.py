"""The safety checks' text normaliser: what every safety rule sees instead of the raw transcript.

Callers' words arrive from speech-to-text (or a chat box), so the same sentence shows up with
curly or straight apostrophes, with or without punctuation, with contractions spelled either way
("can't", "cant") and with a few recurring recognition slips ("chess pain"). Every safety rule (the
red-flag detector, the advice check, the injection check) matches against this one normal form so
they cannot disagree about what was said. It is built on the agent's one normaliser
(``reddytalk.agent.text.normalise``: lower case, straight quotes, no punctuation, hyphens as spaces)
and adds only what safety matching needs on top: dates' ':' and '/' dropped, contractions expanded,
slips repaired. ``normalise`` produces it;
``snap_words`` additionally pulls near-miss words onto a caller-supplied vocabulary (a matcher's
own key words), because what counts as a slip depends on which words a matcher needs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from rapidfuzz import fuzz, process

from reddytalk.agent.text import normalise as agent_normalise

__all__ = ["clauses", "normalise", "snap_words"]

CONTRACTIONS = {
    "can't": "cannot",
    "cant": "cannot",
    "can not": "cannot",
    "couldn't": "could not",
    "couldnt": "could not",
    "won't": "will not",
    "wont": "will not",
    "wouldn't": "would not",
    "isn't": "is not",
    "isnt": "is not",
    "aren't": "are not",
    "wasn't": "was not",
    "wasnt": "was not",
    "weren't": "were not",
    "don't": "do not",
    "dont": "do not",
    "doesn't": "does not",
    "doesnt": "does not",
    "didn't": "did not",
    "didnt": "did not",
    "haven't": "have not",
    "havent": "have not",
    "hasn't": "has not",
    "hasnt": "has not",
    "hadn't": "had not",
    "shouldn't": "should not",
    "i'm": "i am",
    "im": "i am",
    "i've": "i have",
    "ive": "i have",
    "i'd": "i would",
    "i'll": "i will",
    "he's": "he is",
    "she's": "she is",
    "it's": "it is",
    "that's": "that is",
    "there's": "there is",
    "what's": "what is",
    "they're": "they are",
    "we're": "we are",
    "you're": "you are",
    "wanna": "want to",
    "gonna": "going to",
}

# Recognition slips heard often enough to repair everywhere (whole words only).
SLIPS = {
    "chess": "chest",
    "pane": "pain",
    "paine": "pain",
    "breed": "breathe",
    "breeth": "breathe",
    "breth": "breath",
    "brethe": "breathe",
    "bleedin": "bleeding",
    "breathin": "breathing",
    "allot": "a lot",
    "attach": "attack",
    "od'd": "overdosed",
    "odd'd": "overdosed",
    "seasure": "seizure",
    "seazure": "seizure",
}

_SPLIT_JOINED = (
    (re.compile(r" over (dos(?:e|ed|ing)) "), r" over\1 "),
    (re.compile(r" thunder (claps?) "), r" thunder\1 "),
)
_CLAUSE_BREAK = re.compile(r"[.!?;,:]+|\s+-+\s+")


def normalise(text: str) -> str:
    """The agent's normal form, then ':' and '/' dropped, contractions expanded, known slips
    repaired (lower-case words separated by single spaces). Idempotent."""
    text = text.replace("\u2018", "'").replace("`", "'")
    text = re.sub(r"[^a-z0-9' ]+", " ", agent_normalise(text))
    words = [SLIPS.get(w, w) for w in text.split()]
    joined = " " + " ".join(words) + " "
    for pattern, repl in _SPLIT_JOINED:
        joined = pattern.sub(repl, joined)
    for short, long in CONTRACTIONS.items():
        joined = joined.replace(f" {short} ", f" {long} ")
    joined = re.sub(r"'s\b", "s", joined)
    return " ".join(joined.replace("'", "").split())


def clauses(text: str) -> list[str]:
    """The raw text split where speech-to-text or a typist put clause punctuation, each normalised.

    Context words ("not", "last year") only reach as far as their own clause: "No. My chest hurts"
    is two clauses, and the "no" says nothing about the chest.
    """
    parts = (normalise(p) for p in _CLAUSE_BREAK.split(text))
    return [p for p in parts if p]


def snap_words(text: str, vocabulary: Iterable[str], *, cutoff: int = 84, min_len: int = 6) -> str:
    """Replace each word of normalised ``text`` that is a near miss of a vocabulary word by that word
    ("breathng" -> "breathing"). Short words are left alone: at that length the edit distance
    between unrelated words is too small to mean a slip."""
    vocab = tuple(sorted(set(vocabulary)))
    return " ".join(_snap(w, vocab, cutoff, min_len) for w in text.split())


@lru_cache(maxsize=8192)
def _snap(word: str, vocab: tuple[str, ...], cutoff: int, min_len: int) -> str:
    if len(word) < min_len or word in vocab:
        return word
    match = process.extractOne(word, vocab, scorer=fuzz.ratio, score_cutoff=cutoff)
    return match[0] if match else word
