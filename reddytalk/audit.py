"""The PHI access audit log (HIPAA §164.312(b)): who touched which record, why, and with what outcome.

Entries hold identifiers and enumerations only, never PHI values: every field must match a strict
identifier pattern (no spaces, must start with a letter), so a full name, a date of birth or a phone
number passed by mistake is refused rather than stored. The app has no route or method that changes
or deletes an entry.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

from reddytalk.errors import ValidationFailed
from reddytalk.logs import request_id_var
from reddytalk.stores.documents.base import Document, DocumentStore, Query

CONTAINER = "audit"
_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_.:@-]{0,159}$")
_WORD = re.compile(r"^[a-z][a-z0-9_.]{0,63}$")
_EMAIL = re.compile(r"[^@:]+@[^@]+\.[A-Za-z]{2,}$")


class AuditFieldRejected(ValidationFailed, ValueError):
    """A field is not an identifier or enumeration (it may be PHI); the message never echoes it."""


def _checked(name: str, value: str, pattern: re.Pattern[str]) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value) or _EMAIL.search(value):
        raise AuditFieldRejected(f"audit field {name} must be an identifier, got something else")
    return value


class AuditLog:
    """Appends audit entries to the ``audit`` container (partitioned by practice)."""

    def __init__(self, documents: DocumentStore) -> None:
        self.documents = documents

    async def record(
        self,
        *,
        actor_id: str,
        practice_id: str,
        action: str,
        resource_type: str,
        resource_id: str,
        purpose: str,
        outcome: str,
        request_id: str | None = None,
    ) -> Document:
        entry: dict[str, Any] = {
            "id": uuid.uuid4().hex,
            "practice_id": _checked("practice_id", practice_id, _IDENT),
            "actor_id": _checked("actor_id", actor_id, _IDENT),
            "action": _checked("action", action, _WORD),
            "resource_type": _checked("resource_type", resource_type, _WORD),
            "resource_id": _checked("resource_id", resource_id, _IDENT),
            "purpose": _checked("purpose", purpose, _WORD),
            "outcome": _checked("outcome", outcome, _WORD),
            "request_id": request_id or request_id_var.get(),
            "time": datetime.now(UTC).isoformat(),
        }
        return await self.documents.create(CONTAINER, entry)

    async def list(
        self, practice_id: str, *, resource_id: str | None = None, limit: int = 100
    ) -> list[Document]:
        where: dict[str, Any] = {"practice_id": practice_id}
        if resource_id is not None:
            where["resource_id"] = resource_id
        page = await self.documents.query(
            CONTAINER,
            Query(where=where, partition_key=practice_id, order_by="time", descending=True, limit=limit),
        )
        return page.items
