"""The detector's second tier: a possible emergency recognised by its structure, not its phrase.

The catalogue (first tier) knows how red flags are usually said; callers keep finding new ways
("her speech is slurry all of a sudden", "he's shaking on the floor and won't stop"). What those
share is a shape: something about a body system (speech, breathing, bleeding, consciousness …)
plus a cue of acuity (sudden, worst, will not stop, cannot breathe/walk/feel, passing out, a lot
of blood). An affirmed term and an affirmed cue a few words apart raise a *possible* emergency:
the caller is told to call 911 if it is one and is put through to staff now. A few grave signs
(no pulse, grabbing the throat, grey and sweaty, wanting it all to end) count on their own. The
same ConText rules as the first tier discount negation, history and hypotheticals. The lexicon
is data (``acuity.json``) so it is reviewed with the catalogue.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from reddytalk.agent.safety.catalogue import compile_pattern
from reddytalk.agent.safety.context import Utterance

CATEGORY = "possible_emergency"


@dataclass(frozen=True)
class Acuity:
    window: int
    systems: dict[str, tuple[re.Pattern[str], ...]]
    cues: tuple[re.Pattern[str], ...]
    grave: tuple[re.Pattern[str], ...]


@lru_cache(maxsize=1)
def load() -> Acuity:
    raw = json.loads(resources.files(__package__).joinpath("acuity.json").read_text(encoding="utf-8"))
    return Acuity(
        window=int(raw["window"]),
        systems={k: tuple(compile_pattern(p) for p in v) for k, v in raw["systems"].items()},
        cues=tuple(compile_pattern(p) for p in raw["cues"]),
        grave=tuple(compile_pattern(p) for p in raw["grave"]),
    )


def _affirmed_spans(utterance: Utterance, patterns: tuple[re.Pattern[str], ...]) -> list[tuple[int, int]]:
    """Character spans of matches that are about now: not negated, past or hypothetical."""
    out = []
    for pattern in patterns:
        for m in pattern.finditer(utterance.text):
            mods = utterance.modifiers(m.start(), m.end(), topics=True)
            if not (mods.negated or mods.historical or mods.hypothetical):
                out.append((m.start(), m.end()))
    return out


def system_hit(utterance: Utterance) -> str | None:
    """The body system of a possible emergency in the utterance ("grave" for a sign on its own), or None."""
    acuity = load()
    if _affirmed_spans(utterance, acuity.grave):
        return "grave"
    cues = _affirmed_spans(utterance, acuity.cues)
    if not cues:
        return None
    text = utterance.text
    for system, patterns in acuity.systems.items():
        for pattern in patterns:
            for m in pattern.finditer(text):
                term = (m.start(), m.end())
                if any(_overlap(term, cue) for cue in cues):
                    continue  # the cue's own word ("cannot BREATHE") is not a second signal
                mods = utterance.modifiers(term[0], term[1], topics=True)
                if mods.affirmed and any(_near(text, term, cue, acuity.window) for cue in cues):
                    return system
    return None


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _near(text: str, a: tuple[int, int], b: tuple[int, int], window: int) -> bool:
    """True when at most ``window`` words separate the two spans."""
    lo, hi = (a, b) if a[0] < b[0] else (b, a)
    return len(text[lo[1] : hi[0]].split()) <= window
