"""Phrases the speech recogniser should favour on a practice's calls: its clinicians' names.

Whisper's ``tiny.en`` mishears rare names ("Dr. Okafor" as "Dr. Arkifer") unless primed; the local
engine passes them inside its initial prompt, Azure Speech as a phrase list. Only names: priming
ordinary domain words was measured to make whisper worse on everyday sentences.
"""

from __future__ import annotations

from reddytalk.practice.repository import PracticeRepository
from reddytalk.stores.documents.base import DocumentStore

_cache: dict[tuple[int, str], list[str]] = {}


def spoken_name(name: str) -> str:
    """How callers say a clinician's name: "Dr. Anita Patel" → "Dr. Patel", "Sofia Rivera, NP" → "Sofia Rivera".

    Short spoken forms also prime whisper better: full names with credentials were measured to garble
    unrelated words in the same utterance.
    """
    bare = name.split(",")[0].strip()
    words = bare.split()
    if words and words[0].lower() in {"dr", "dr."} and len(words) > 1:
        return f"Dr. {words[-1]}"
    return bare


async def practice_hints(documents: DocumentStore, practice_id: str) -> list[str]:
    key = (id(documents), practice_id)
    hints = _cache.get(key)
    if hints is None:
        repo = PracticeRepository(documents, practice_id)
        hints = _cache[key] = [spoken_name(p.name) for p in await repo.providers()]
    return hints
