"""The emergency detector: catalogue patterns find red-flag mentions, ConText decides if they are now.

It runs on every caller utterance before any model, so it is deterministic and needs no model or
network: a caller in danger is told to call 911 even when every provider is down. Steps:
normalise each clause (``reddytalk.agent.safety.text``), snap near-miss words onto the catalogue's key
words (speech-to-text slips: "breathng", "siezure"), find every catalogue pattern, and keep a
category when at least one of its mentions is affirmed: not negated, not past history, not
hypothetical, not merely a topic ("seizure medication"). Who it happens to does not matter.
When no category fires, the second tier (``acuity``) looks for the shape of an emergency instead
of its phrase (a body-system term plus an acuity cue) and raises ``possible_emergency``.
"""

from __future__ import annotations

from dataclasses import dataclass

from reddytalk.agent.safety import acuity
from reddytalk.agent.safety.catalogue import Catalogue, Category, load
from reddytalk.agent.safety.context import Utterance
from reddytalk.agent.safety.text import clauses, snap_words

# Categories where a bare mention is serious whatever follows it ("suicide hotline" still gets 988).
NO_TOPIC_EXCEPTION = frozenset({"suicidal", "stated_emergency"})


@dataclass(frozen=True)
class EmergencyHit:
    """The categories an utterance raised, most specific first (catalogue order)."""

    category: str
    categories: tuple[str, ...] = ()
    # Set only for a second-tier hit (``possible_emergency``): the body system it was about.
    system: str | None = None

    def __post_init__(self) -> None:
        if not self.categories:
            object.__setattr__(self, "categories", (self.category,))


def prepare(text: str, catalogue: Catalogue | None = None) -> Utterance:
    """The utterance as the detector sees it: normalised clauses, slips snapped, context computed."""
    cat = catalogue or load()
    parts: list[str] = []
    boundaries: set[int] = set()
    count = 0
    for clause in clauses(text):
        words = [w if w in cat.never_snap else None for w in clause.split()]
        snapped = snap_words(clause, cat.snap_vocabulary).split()
        merged = [w if w is not None else s for w, s in zip(words, snapped, strict=True)]
        if count:
            boundaries.add(count)
        parts.append(" ".join(merged))
        count += len(merged)
    return Utterance(" ".join(parts), frozenset(boundaries))


def category_fires(category: Category, utterance: Utterance) -> bool:
    """True when the category's context holds and one of its mentions is affirmed."""
    text = utterance.text
    if any(p.search(text) for p in category.unless):
        return False
    if category.requires and not any(
        _present(utterance, m.start(), m.end()) for p in category.requires for m in p.finditer(text)
    ):
        return False
    topics = category.id not in NO_TOPIC_EXCEPTION
    return any(
        utterance.modifiers(m.start(), m.end(), topics=topics).affirmed
        for p in category.patterns
        for m in p.finditer(text)
    )


def _present(utterance: Utterance, start: int, end: int) -> bool:
    """A context word counts unless negated or hypothetical ("I'm not pregnant"); its history does
    not matter (a head injury last week with confusion today is still a red flag)."""
    mods = utterance.modifiers(start, end, topics=False)
    return not (mods.negated or mods.hypothetical)


def detect(text: str) -> EmergencyHit | None:
    """Every red-flag category the utterance raises, or None."""
    catalogue = load()
    utterance = prepare(text, catalogue)
    if not utterance.text:
        return None
    fired = tuple(c.id for c in catalogue.categories if category_fires(c, utterance))
    if fired:
        return EmergencyHit(fired[0], fired)
    system = acuity.system_hit(utterance)
    return EmergencyHit(acuity.CATEGORY, system=system) if system else None
