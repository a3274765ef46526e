"""Messages for the practice's staff, stored per practice and audited on every read and write.

``take`` is what the receptionist's ``take_message`` tool calls (the actor is ``agent:<session>``);
``list``, ``done`` and ``undo`` are the staff inbox. Every query is scoped by the practice id the
caller was verified for; a message of another practice is indistinguishable from a missing one.
``take`` is idempotent by key (a retried turn saves one message, not two). When a ``publish``
callback is given, a new message is announced as ``message.taken`` ``{id, kind}`` (ids only: the
contents stay behind the audited API).
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from reddytalk.audit import AuditLog
from reddytalk.audit_refs import audit_ref
from reddytalk.errors import NotFound, ValidationFailed
from reddytalk.messages.models import KINDS, MAX_PAGE_SIZE, MessageFilter, MessageOut, MessagePage
from reddytalk.stores.documents.base import Document, DocumentStore, Query

CONTAINER = "messages"
PURPOSE = "patient_message"
MESSAGE_TAKEN = "message.taken"
MAX_TEXT = 500

# (practice_id, event, payload): sends one realtime message to the practice's staff.
Publish = Callable[[str, str, dict[str, Any]], Awaitable[None]]


def message_out(doc: Document) -> MessageOut:
    return MessageOut(
        id=doc["id"],
        session_id=doc["session_id"],
        kind=doc["kind"],
        caller_name=doc["caller_name"],
        phone=doc["phone"],
        reason=doc["reason"],
        patient_id=doc.get("patient_id"),
        status=doc["status"],
        created_at=doc["created_at"],
        done_at=doc.get("done_at"),
        done_by=doc.get("done_by"),
    )


def _clean(value: str, field: str, *, required: bool = True) -> str:
    text = " ".join(str(value or "").split())[:MAX_TEXT]
    if required and not text:
        raise ValidationFailed(f"{field} is required")
    return text


class MessageService:
    def __init__(
        self,
        documents: DocumentStore,
        audit: AuditLog,
        *,
        publish: Publish | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._docs = documents
        self._audit = audit
        self._publish = publish
        self._clock = clock

    async def take(
        self,
        practice_id: str,
        *,
        session_id: str,
        kind: str,
        caller_name: str,
        phone: str,
        reason: str,
        patient_id: str | None = None,
        taken_by: str | None = None,
        idempotency_key: str | None = None,
    ) -> MessageOut:
        """Save a message for staff; the same ``idempotency_key`` returns the first message."""
        if kind not in KINDS:
            raise ValidationFailed("unknown message kind")
        actor = taken_by or f"agent:{session_id}"
        message_id = "msg-" + (
            hashlib.sha256(f"{practice_id}|{idempotency_key}".encode()).hexdigest()[:32]
            if idempotency_key
            else uuid.uuid4().hex
        )
        if idempotency_key:
            existing = await self._find(practice_id, message_id)
            if existing is not None:
                return message_out(existing)
        doc: Document = {
            "id": message_id,
            "practice_id": practice_id,
            "session_id": _clean(session_id, "session_id"),
            "kind": kind,
            "caller_name": _clean(caller_name, "caller_name", required=False),
            "phone": _clean(phone, "phone", required=False),
            "reason": _clean(reason, "reason", required=False),
            "patient_id": patient_id,
            "status": "open",
            "created_at": self._now(),
            "done_at": None,
            "done_by": None,
            "taken_by": actor,
        }
        created = await self._docs.create(CONTAINER, doc)
        await self._record(actor, practice_id, "create", message_id, "success")
        if self._publish is not None:
            await self._publish(practice_id, MESSAGE_TAKEN, {"id": message_id, "kind": kind})
        return message_out(created)

    async def add_to(
        self,
        practice_id: str,
        message_id: str,
        text: str,
        *,
        actor_id: str,
        idempotency_key: str | None = None,
    ) -> MessageOut:
        """Append what the caller added after the message was taken ("…and it's the CVS on Main")."""
        doc = await self._find(practice_id, message_id)
        if doc is None:
            await self._record(actor_id, practice_id, "update", audit_ref(message_id), "not_found")
            raise NotFound("message not found")
        addition = _clean(text, "text")
        if idempotency_key and idempotency_key in doc.get("additions", []):
            return message_out(doc)
        updated = {k: v for k, v in doc.items() if not k.startswith("_")}
        updated["reason"] = f"{doc['reason']} {addition}".strip()[: MAX_TEXT * 2]
        updated["additions"] = [*doc.get("additions", []), idempotency_key or ""]
        saved = await self._docs.replace(CONTAINER, updated, etag=doc["_etag"])
        await self._record(actor_id, practice_id, "update", message_id, "success")
        return message_out(saved)

    async def list(self, actor_id: str, practice_id: str, criteria: MessageFilter) -> MessagePage:
        page = await self._docs.query(
            CONTAINER,
            Query(
                where={"practice_id": practice_id, "status": criteria.status},
                partition_key=practice_id,
                order_by="created_at",
                descending=True,
                limit=MAX_PAGE_SIZE,
                continuation=criteria.cursor,
            ),
        )
        await self._record(actor_id, practice_id, "search", "messages", "success", kind="message_list")
        return MessagePage(items=[message_out(d) for d in page.items], next=page.continuation)

    async def done(self, actor_id: str, practice_id: str, message_id: str) -> MessageOut:
        """Mark handled (idempotent: marking a done message done again changes nothing)."""
        return await self._set(actor_id, practice_id, message_id, done=True)

    async def undo(self, actor_id: str, practice_id: str, message_id: str) -> MessageOut:
        """Back to the inbox (a message marked done by mistake)."""
        return await self._set(actor_id, practice_id, message_id, done=False)

    async def _set(self, actor_id: str, practice_id: str, message_id: str, *, done: bool) -> MessageOut:
        action = "done" if done else "undo"
        doc = await self._find(practice_id, message_id)
        if doc is None:
            await self._record(actor_id, practice_id, action, audit_ref(message_id), "not_found")
            raise NotFound("message not found")
        if (doc["status"] == "done") != done:
            updated = {k: v for k, v in doc.items() if not k.startswith("_")}
            updated.update(
                status="done" if done else "open",
                done_at=self._now() if done else None,
                done_by=actor_id if done else None,
            )
            doc = await self._docs.replace(CONTAINER, updated, etag=doc["_etag"])
        await self._record(actor_id, practice_id, action, message_id, "success")
        return message_out(doc)

    async def _find(self, practice_id: str, message_id: str) -> Document | None:
        try:
            doc = await self._docs.read(CONTAINER, message_id, practice_id)
        except NotFound:
            return None
        return doc if doc.get("practice_id") == practice_id else None

    async def _record(
        self,
        actor_id: str,
        practice_id: str,
        action: str,
        resource_id: str,
        outcome: str,
        *,
        kind: str = "message",
    ) -> None:
        await self._audit.record(
            actor_id=audit_ref(actor_id),
            practice_id=practice_id,
            action=action,
            resource_type=kind,
            resource_id=resource_id,
            purpose=PURPOSE,
            outcome=outcome,
        )

    def _now(self) -> str:
        return datetime.fromtimestamp(self._clock(), UTC).isoformat()
