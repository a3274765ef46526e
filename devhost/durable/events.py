"""History events in the DTFx wire shape (PascalCase keys) that the Python SDK replays."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import IntEnum
from typing import Any


class EventType(IntEnum):
    """DTFx ``EventType`` numbers, as the SDK reads them."""

    ExecutionStarted = 0
    ExecutionCompleted = 1
    ExecutionFailed = 2
    ExecutionTerminated = 3
    TaskScheduled = 4
    TaskCompleted = 5
    TaskFailed = 6
    SubOrchestrationInstanceCreated = 7
    SubOrchestrationInstanceCompleted = 8
    SubOrchestrationInstanceFailed = 9
    TimerCreated = 10
    TimerFired = 11
    OrchestratorStarted = 12
    OrchestratorCompleted = 13
    EventSent = 14
    EventRaised = 15
    ContinueAsNew = 16
    GenericEvent = 17
    HistoryState = 18
    ExecutionSuspended = 19
    ExecutionResumed = 20


#: Events whose ``EventId`` is a task sequence number handed out by the orchestration.
SEQ_EVENTS = frozenset(
    {
        EventType.TaskScheduled,
        EventType.SubOrchestrationInstanceCreated,
        EventType.TimerCreated,
        EventType.EventSent,
    }
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """UTC ISO-8601 with microseconds and a literal ``Z``, as DTFx writes (the SDK reads 6 digits)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> datetime:
    """Parse the SDK's ``fireAt`` / the API's time filters (``Z`` or offset, up to 7 fractional digits)."""
    value = text.strip().replace("Z", "+00:00")
    if "." in value:
        head, _, tail = value.partition(".")
        digits = ""
        rest = ""
        for i, ch in enumerate(tail):
            if not ch.isdigit():
                rest = tail[i:]
                break
            digits += ch
        value = f"{head}.{digits[:6].ljust(6, '0')}{rest}"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def event(kind: EventType, moment: datetime, event_id: int = -1, **fields: Any) -> dict[str, Any]:
    """One history event; ``IsPlayed`` is filled in when the history is sent to the SDK."""
    return {"EventType": int(kind), "EventId": event_id, "Timestamp": iso(moment), **fields}
