"""What audio intake remembers between chunks, kept in the document store (not in a process).

One small document per streaming call, beside the session document in ``sessions`` (same
partition, ``kind: "intake"``, so call listings that filter ``kind: "call"`` never see it):
``next_seq`` (chunks before it were fed to the end-of-turn detector), ``pending`` (stored chunks
waiting for a gap to fill), ``utterances`` (utterances finished so far, streamed or whole) and
``whole`` (the seqs of whole utterances taken). Every change is a replace with the ETag it was read
with; a writer that lost the race (412) reads again and redoes its step. So any worker process on any
instance can take the next chunk, and each chunk is fed exactly once.

The record carries a TTL (a day) as a backstop; post-call deletes it with the call's raw audio.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

from reddytalk.errors import Conflict, NotFound
from reddytalk.stores.documents.base import Document, DocumentStore

CONTAINER = "sessions"
KIND = "intake"
TTL_SECONDS = 24 * 3600


def record_id(session_id: str) -> str:
    return f"{session_id}:intake"


@dataclass
class IntakeRecord:
    session_id: str
    practice_id: str
    next_seq: int = 0
    pending: set[int] = field(default_factory=set)
    utterances: int = 0
    whole: set[int] = field(default_factory=set)
    etag: str | None = None

    def document(self) -> Document:
        return {
            "id": record_id(self.session_id),
            "user_id": self.practice_id,
            "kind": KIND,
            "session_id": self.session_id,
            "next_seq": self.next_seq,
            "pending": sorted(self.pending),
            "utterances": self.utterances,
            "whole": sorted(self.whole),
            "ttl": TTL_SECONDS,
        }

    @classmethod
    def from_document(cls, doc: Document) -> IntakeRecord:
        return cls(
            session_id=doc["session_id"],
            practice_id=doc["user_id"],
            next_seq=int(doc["next_seq"]),
            pending={int(s) for s in doc.get("pending") or []},
            utterances=int(doc["utterances"]),
            whole={int(s) for s in doc.get("whole") or []},
            etag=doc.get("_etag"),
        )


class IntakeRecords:
    """Load (creating on first use) and conditionally save intake records."""

    def __init__(self, documents: DocumentStore) -> None:
        self.documents = documents

    async def load(self, session: Document) -> IntakeRecord:
        sid, practice_id = session["id"], session["practice_id"]
        try:
            return IntakeRecord.from_document(
                await self.documents.read(CONTAINER, record_id(sid), practice_id)
            )
        except NotFound:
            pass
        fresh = IntakeRecord(sid, practice_id, utterances=int(session.get("utterances") or 0))
        try:
            return IntakeRecord.from_document(await self.documents.create(CONTAINER, fresh.document()))
        except Conflict:  # another worker created it first
            return IntakeRecord.from_document(
                await self.documents.read(CONTAINER, record_id(sid), practice_id)
            )

    async def save(self, record: IntakeRecord) -> IntakeRecord:
        """Replace the record if unchanged since it was read; ``PreconditionFailed`` otherwise."""
        saved: dict[str, Any] = await self.documents.replace(CONTAINER, record.document(), etag=record.etag)
        return IntakeRecord.from_document(saved)

    async def delete(self, practice_id: str, session_id: str) -> None:
        with contextlib.suppress(NotFound):
            await self.documents.delete(CONTAINER, record_id(session_id), practice_id)
