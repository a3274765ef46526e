"""Where a call's durable records live: the session document, turn records, utterance and reply audio.

Session documents go to ``sessions`` (partitioned by ``user_id``; a call's ``user_id`` is its
practice id, so a practice's calls share a partition), turn records to ``transcripts`` (by
``session_id``). Audio goes to the utterances container under the session's prefix.
"""

from __future__ import annotations

import time
from typing import Any

from reddytalk.calls.contracts import Call, TurnRecord
from reddytalk.errors import NotFound
from reddytalk.stores.documents.base import Document, DocumentStore, PatchOp, Query


def turn_id(session_id: str, turn: int) -> str:
    return f"{session_id}:turn:{turn:04d}"


def utterance_blob(session_id: str, turn: int) -> str:
    return f"{session_id}/caller-{turn:04d}.pcm"


def reply_blob(session_id: str, turn: int) -> str:
    return f"{session_id}/reply-{turn:04d}.pcm"


def chunk_blob(session_id: str, seq: int) -> str:
    return f"{session_id}/chunks/{seq:08d}.pcm"


class CallRecords:
    """Reads and writes a call's session document and turn records."""

    def __init__(self, documents: DocumentStore) -> None:
        self.documents = documents

    async def create_session(self, call: Call, *, call_id: str | None, token_hash: str) -> Document:
        doc = {
            "id": call.session_id,
            "user_id": call.practice_id,
            "practice_id": call.practice_id,
            "kind": "call",
            "call_id": call_id,
            "token_hash": token_hash,
            "channel": call.channel,
            "audio_format": call.audio_format,
            "recording_consent": call.recording_consent,
            "status": "active",
            "started_at": time.time(),
            "ended_at": None,
            "end_reason": None,
            "interrupted_turn": None,
            "current_turn": 0,
        }
        return await self.documents.create("sessions", doc)

    async def session(self, practice_id: str, session_id: str) -> Document:
        return await self.documents.read("sessions", session_id, practice_id)

    async def find_session(self, session_id: str) -> Document:
        page = await self.documents.query("sessions", Query(where={"id": session_id}, limit=1))
        if not page.items:
            raise NotFound("no such session")
        return page.items[0]

    async def mark(self, practice_id: str, session_id: str, **fields: Any) -> None:
        ops = [PatchOp("set", f"/{key}", value) for key, value in fields.items()]
        await self.documents.patch("sessions", session_id, practice_id, ops)

    async def should_stop(self, practice_id: str, session_id: str, turn: int) -> bool:
        """True when the caller barged in on this turn or hung up: stop speaking."""
        doc = await self.session(practice_id, session_id)
        interrupted = doc.get("interrupted_turn")
        return doc.get("status") in {"ending", "ended"} or (interrupted is not None and interrupted >= turn)

    async def saved_turn(self, session_id: str, turn: int) -> TurnRecord | None:
        try:
            doc = await self.documents.read("transcripts", turn_id(session_id, turn), session_id)
        except NotFound:
            return None
        return TurnRecord.model_validate(doc["record"])

    async def save_turn(self, record: TurnRecord, practice_id: str) -> None:
        doc = {
            "id": turn_id(record.session_id, record.turn),
            "session_id": record.session_id,
            "practice_id": practice_id,
            "kind": "turn",
            "turn": record.turn,
            "record": record.model_dump(),
        }
        await self.documents.upsert("transcripts", doc)

    async def turns(self, session_id: str) -> list[TurnRecord]:
        items: list[Document] = []
        continuation = None
        while True:
            page = await self.documents.query(
                "transcripts",
                Query(
                    where={"session_id": session_id, "kind": "turn"},
                    partition_key=session_id,
                    order_by="turn",
                    limit=200,
                    continuation=continuation,
                ),
            )
            items.extend(page.items)
            continuation = page.continuation
            if not continuation:
                break
        return [TurnRecord.model_validate(doc["record"]) for doc in items]
