"""Intent examples from finished calls: each caller utterance with the intent the local classifier
predicts and its confidence, stored in the ``training`` container (partition ``type``).

Only calls whose caller consented to recording contribute (consent covers recording only, but the
conservative reading keeps a declining caller's words out of training). Example documents hold the
utterance text, the predicted intent and confidence, and ids; nothing else about the caller.
Ids are deterministic, so a re-run writes the same documents again (idempotent).
"""

from __future__ import annotations

import time
from typing import Any

from reddytalk.agent.brains.local.classifier import IntentClassifier
from reddytalk.audit import AuditLog
from reddytalk.calls.post_call import transcript_id
from reddytalk.calls.records import CallRecords
from reddytalk.errors import NotFound
from reddytalk.stores.documents.base import DocumentStore, Query

CONTAINER = "training"
EXAMPLE_TYPE = "intent_example"
MAX_UTTERANCE_CHARS = 500


def example_id(session_id: str, turn: int, index: int) -> str:
    return f"call:{session_id}:{turn:04d}:{index}"


async def _caller_lines(documents: DocumentStore, session_id: str) -> list[tuple[int, str]]:
    try:
        doc = await documents.read("transcripts", transcript_id(session_id), session_id)
        lines = [
            (int(x["turn"]), str(x["text"])) for x in doc.get("lines", []) if x.get("speaker") == "caller"
        ]
    except NotFound:
        lines = [(r.turn, r.caller) for r in await CallRecords(documents).turns(session_id) if r.caller]
    return [(turn, text.strip()[:MAX_UTTERANCE_CHARS]) for turn, text in lines if text.strip()]


ACTOR = "system:training"
PURPOSE = "model_training"


async def collect_call_examples(
    documents: DocumentStore, audit: AuditLog, classifier: IntentClassifier, practice_id: str, session_id: str
) -> dict[str, Any]:
    """Write one example per caller utterance; returns counts (no text). The transcript read is
    audited (actor ``system:training``, purpose ``model_training``)."""
    outcome = await _collect(documents, classifier, practice_id, session_id)
    await audit.record(
        actor_id=ACTOR,
        practice_id=practice_id,
        action="read",
        resource_type="transcript",
        resource_id=session_id,
        purpose=PURPOSE,
        outcome="success" if outcome["skipped"] is None else str(outcome["skipped"]),
    )
    return outcome


async def _collect(
    documents: DocumentStore, classifier: IntentClassifier, practice_id: str, session_id: str
) -> dict[str, Any]:
    try:
        session = await documents.read("sessions", session_id, practice_id)
    except NotFound:
        return {"examples": 0, "skipped": "no_session"}
    if session.get("kind") != "call" or session.get("practice_id") != practice_id:
        return {"examples": 0, "skipped": "no_session"}
    if not session.get("recording_consent"):
        return {"examples": 0, "skipped": "no_consent"}
    written = 0
    seen: dict[int, int] = {}
    for turn, text in await _caller_lines(documents, session_id):
        index = seen.get(turn, 0)
        seen[turn] = index + 1
        intent, confidence = classifier.predict(text)
        await documents.upsert(
            CONTAINER,
            {
                "id": example_id(session_id, turn, index),
                "type": EXAMPLE_TYPE,
                "source": "call",
                "practice_id": practice_id,
                "session_id": session_id,
                "text": text,
                "intent": intent,
                "confidence": round(confidence, 4),
                "created_at": time.time(),
            },
        )
        written += 1
    return {"examples": written, "skipped": None}


async def call_examples(documents: DocumentStore) -> list[dict[str, Any]]:
    """Every stored intent example (text, intent, confidence), oldest first."""
    items: list[dict[str, Any]] = []
    continuation = None
    while True:
        page = await documents.query(
            CONTAINER,
            Query(
                where={"type": EXAMPLE_TYPE},
                partition_key=EXAMPLE_TYPE,
                order_by="id",
                limit=1000,
                continuation=continuation,
            ),
        )
        items.extend(
            {"text": d["text"], "intent": d["intent"], "confidence": d["confidence"]} for d in page.items
        )
        continuation = page.continuation
        if not continuation:
            return items
