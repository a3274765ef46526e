"""Phrases the speech recogniser should favour on a practice's calls: its clinicians' names.

Whisper's ``tiny.en`` mishears rare names ("Dr. Okafor" as "Dr. Arkifer") unless primed; the local
engine passes them inside its initial prompt, Azure Speech as a phrase list. Only names: priming
ordinary domain words was measured to make whisper worse on everyday sentences.
"""

from __future__ import annotations

from reddytalk.practice.repository import PracticeRepository
from reddytalk.services import Services


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


async def practice_hints(services: Services, practice_id: str) -> list[str]:
    """The practice's hints, read once per process (clinicians change rarely; a restart refreshes)."""
    known: dict[str, list[str]] = services.cached("stt_hints", dict)
    if practice_id not in known:
        repo = PracticeRepository(services.documents, practice_id)
        known[practice_id] = [spoken_name(p.name) for p in await repo.providers()]
    return known[practice_id]
