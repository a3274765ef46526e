"""The red-flag catalogue (``red_flags.json``), loaded once and compiled.

The catalogue is data so that a clinician can review and extend it without reading code: each
category names its sources, its phrase patterns over the normalised transcript, optional context
the whole utterance must contain (``requires``: "pregnant" for the pregnancy flags) or must not
(``unless``: an age over three months for infant fever), and examples.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

# A gap of filler words never runs across a contrast ("the bleeding stopped BUT the pain will not").
_NOT_CONTRAST = r"(?!(?:but|however|although|though)\b)"
MACROS = {
    "{poss}": r"(?:(?:my|his|her|their|the|our|your|a|this|that) )?",
    "{who}": r"(?:i|he|she|they|we|my \w+|his \w+|her \w+|the baby)",
}


@dataclass(frozen=True)
class Category:
    id: str
    label: str
    sources: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    requires: tuple[re.Pattern[str], ...]
    unless: tuple[re.Pattern[str], ...]
    examples: tuple[str, ...]


@dataclass(frozen=True)
class Catalogue:
    categories: tuple[Category, ...]
    snap_vocabulary: tuple[str, ...]
    never_snap: frozenset[str]

    def category(self, category_id: str) -> Category:
        return next(c for c in self.categories if c.id == category_id)


def compile_pattern(source: str) -> re.Pattern[str]:
    """A catalogue pattern with its macros expanded ({wN}: up to N words, no contrast word; {poss}, {who})."""
    text = re.sub(r"\{w(\d)\}", lambda m: rf"(?:{_NOT_CONTRAST}\w+ ){{0,{m.group(1)}}}", source)
    for macro, expansion in MACROS.items():
        text = text.replace(macro, expansion)
    return re.compile(text)


def _category(raw: dict[str, Any]) -> Category:
    return Category(
        id=raw["id"],
        label=raw["label"],
        sources=tuple(raw.get("sources", ())),
        patterns=tuple(compile_pattern(p) for p in raw["patterns"]),
        requires=tuple(compile_pattern(p) for p in raw.get("requires", ())),
        unless=tuple(compile_pattern(p) for p in raw.get("unless", ())),
        examples=tuple(raw.get("examples", ())),
    )


@lru_cache(maxsize=1)
def load() -> Catalogue:
    raw = json.loads(resources.files(__package__).joinpath("red_flags.json").read_text(encoding="utf-8"))
    return Catalogue(
        categories=tuple(_category(c) for c in raw["categories"]),
        snap_vocabulary=tuple(raw["snap_vocabulary"]),
        never_snap=frozenset(raw["never_snap"]),
    )
