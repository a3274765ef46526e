"""Message bodies of the staff API and the service (the OpenAPI document is generated from them).

A message's text fields (caller name, phone, reason) are PHI: they are stored and shown to the
practice's staff, never logged and never put in audit entries (which carry the message id only).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["callback", "refill", "running_late", "handoff_unanswered", "other"]
KINDS: tuple[str, ...] = ("callback", "refill", "running_late", "handoff_unanswered", "other")
Status = Literal["open", "done"]
MAX_PAGE_SIZE = 50


class MessageFilter(BaseModel):
    """Which messages to list: open ones (the inbox) or done ones, newest first."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    status: Status = "open"
    cursor: Annotated[str, Field(max_length=2000)] | None = None


class MessageOut(BaseModel):
    id: str
    session_id: str
    kind: Kind
    caller_name: str
    phone: str
    reason: str
    patient_id: str | None = None
    status: Status
    created_at: str
    done_at: str | None = None
    done_by: str | None = None


class MessagePage(BaseModel):
    items: list[MessageOut]
    next: str | None = None
