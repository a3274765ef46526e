"""Call records for staff: list, details, transcript and recording, scoped to the staff's practice.

Sessions are read in the practice's own partition (``user_id`` = practice id), so another practice's
call is indistinguishable from a missing one (404). Every read of call details, transcripts or
recordings writes an audit entry; a not-found read is audited too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from reddytalk.audit import AuditLog
from reddytalk.audit_refs import audit_ref
from reddytalk.auth.rbac import Principal
from reddytalk.calls.post_call import transcript_id
from reddytalk.calls.records import CallRecords
from reddytalk.errors import NotFound, ValidationFailed
from reddytalk.stores.blobs.base import BlobStore
from reddytalk.stores.documents.base import Document, DocumentStore, Range
from reddytalk.stores.documents.base import Query as DocQuery

PURPOSE = "call_review"
MAX_PAGE_SIZE = 100
CallStatus = Literal["active", "ending", "ended"]


class CallListQuery(BaseModel):
    """Filters: status, and a start-date window (UTC days, ``until`` inclusive)."""

    model_config = ConfigDict(extra="forbid")

    status: CallStatus | None = None
    since: date | None = None
    until: date | None = None
    page_size: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = 25
    continuation: Annotated[str, Field(max_length=2000)] | None = None


class CallSummary(BaseModel):
    session_id: str
    status: str | None = None
    channel: str | None = None
    started_at: float | None = None
    ended_at: float | None = None
    end_reason: str | None = None
    recording_consent: bool | None = None
    current_turn: int | None = None


class CallPage(BaseModel):
    items: list[CallSummary]
    continuation: str | None = None


class CallDetails(CallSummary):
    summary: dict[str, Any] | None = None
    metrics: dict[str, Any] | None = None
    live: dict[str, Any] | None = None  # the session entity's state while the call is active


class TranscriptLine(BaseModel):
    turn: int
    speaker: Literal["caller", "receptionist"]
    text: str


class CallTranscript(BaseModel):
    session_id: str
    final: bool  # False while the call is live: lines are built from the turn records so far
    lines: list[TranscriptLine]


def _epoch(day: date) -> float:
    return datetime.combine(day, time(0), tzinfo=UTC).timestamp()


def _summary(doc: Document) -> CallSummary:
    return CallSummary(
        session_id=doc["id"],
        status=doc.get("status"),
        channel=doc.get("channel"),
        started_at=doc.get("started_at"),
        ended_at=doc.get("ended_at"),
        end_reason=doc.get("end_reason"),
        recording_consent=doc.get("recording_consent"),
        current_turn=doc.get("current_turn"),
    )


def recording_blob(practice_id: str, session_id: str) -> str:
    return f"{practice_id}/{session_id}.flac"


class StaffCalls:
    """What the staff dashboard reads about calls; every PHI read is audited."""

    def __init__(
        self, documents: DocumentStore, blobs: BlobStore, audit: AuditLog, recordings_container: str
    ) -> None:
        self._docs = documents
        self._blobs = blobs
        self._audit = audit
        self._recordings = recordings_container

    async def list(self, who: Principal, criteria: CallListQuery) -> CallPage:
        if criteria.since and criteria.until and criteria.until < criteria.since:
            raise ValidationFailed("until is before since")
        where: dict[str, Any] = {"kind": "call"}
        if criteria.status:
            where["status"] = criteria.status
        if criteria.since or criteria.until:
            where["started_at"] = Range(
                gte=_epoch(criteria.since) if criteria.since else None,
                lt=_epoch(criteria.until + timedelta(days=1)) if criteria.until else None,
            )
        page = await self._docs.query(
            "sessions",
            DocQuery(
                where=where,
                partition_key=who.practice_id,
                order_by="started_at",
                descending=True,
                limit=criteria.page_size,
                continuation=criteria.continuation,
            ),
        )
        await self._record(who, "list", "calls", "call", "success")
        return CallPage(items=[_summary(d) for d in page.items], continuation=page.continuation)

    async def session(self, who: Principal, session_id: str, resource_type: str) -> Document:
        """The practice's session document, or 404 (audited as not found)."""
        try:
            doc = await self._docs.read("sessions", session_id, who.practice_id)
        except NotFound:
            doc = None
        if doc is None or doc.get("kind") != "call" or doc.get("practice_id") != who.practice_id:
            await self._record(who, "read", session_id, resource_type, "not_found")
            raise NotFound("call not found")
        return doc

    async def details(self, who: Principal, doc: Document, live: dict[str, Any] | None) -> CallDetails:
        await self._record(who, "read", doc["id"], "call", "success")
        return CallDetails(
            **_summary(doc).model_dump(),
            summary=doc.get("summary"),
            metrics=doc.get("metrics"),
            live=live if doc.get("status") != "ended" else None,
        )

    async def transcript(self, who: Principal, session_id: str) -> CallTranscript:
        doc = await self.session(who, session_id, "transcript")
        try:
            final = await self._docs.read("transcripts", transcript_id(session_id), session_id)
        except NotFound:
            final = None
        if final is not None:
            lines = [TranscriptLine.model_validate(line) for line in final.get("lines", [])]
        else:
            lines = []
            for record in await CallRecords(self._docs).turns(doc["id"]):
                if record.caller:
                    lines.append(TranscriptLine(turn=record.turn, speaker="caller", text=record.caller))
                if record.reply:
                    lines.append(TranscriptLine(turn=record.turn, speaker="receptionist", text=record.reply))
        await self._record(who, "read", session_id, "transcript", "success")
        return CallTranscript(session_id=session_id, final=final is not None, lines=lines)

    async def recording(self, who: Principal, session_id: str) -> bytes:
        doc = await self.session(who, session_id, "recording")
        blob = recording_blob(who.practice_id, doc["id"])
        if not doc.get("recording_consent") or not await self._blobs.exists(self._recordings, blob):
            await self._record(who, "read", session_id, "recording", "not_found")
            raise NotFound("no recording for this call")
        data = await self._blobs.get(self._recordings, blob)
        await self._record(who, "read", session_id, "recording", "success")
        return data

    async def _record(self, who: Principal, action: str, resource_id: str, kind: str, outcome: str) -> None:
        await self._audit.record(
            actor_id=who.actor_id,
            practice_id=who.practice_id,
            action=action,
            resource_type=kind,
            resource_id=audit_ref(resource_id),
            purpose=PURPOSE,
            outcome=outcome,
        )
