"""Retry groups (DTFx ``RetryInterceptor``) as small JSON-able dicts kept in the instance's progress.

One group per ``call_*_with_retry``: which attempt is running (its task id), the timer between attempts,
and every task id it used. After the last failed attempt DTFx still creates one more timer (firing at once);
the SDK waits for it before it fails the task, so the group runs that timer too.
"""

from __future__ import annotations

from typing import Any

from devhost.durable.events import EventType

FAILURES = (EventType.TaskFailed, EventType.SubOrchestrationInstanceFailed)


def new_group(kind: str, action: dict[str, Any], seq: int, child_id: str | None) -> dict[str, Any]:
    """A group for a retry action first scheduled as task ``seq`` (``kind`` is "activity" or "sub")."""
    options = action.get("retryOptions") or {}
    return {
        "kind": kind,
        "name": action.get("functionName"),
        "input": action.get("input"),
        "child": child_id,
        "max": int(options.get("maxNumberOfAttempts") or 1),
        "interval_ms": int(options.get("firstRetryIntervalInMilliseconds") or 0),
        "attempts": 1,
        "current": seq,
        "seqs": [seq],
        "timer": None,
        "timer_last": None,
        "done": False,
    }


def group_of(retries: dict[str, dict[str, Any]], ev: dict[str, Any]) -> dict[str, Any] | None:
    """The live group that history event ``ev`` advances: a failed attempt or the timer after one."""
    kind = ev.get("EventType")
    for group in retries.values():
        if group.get("done"):
            continue
        if kind in FAILURES:
            if group["timer"] is None and ev.get("TaskScheduledId") == group["current"]:
                return group
        elif (
            kind == EventType.TimerFired
            and group["timer"] is not None
            and ev.get("TimerId") == group["timer"]
        ):
            return group
    return None


def is_last_attempt(group: dict[str, Any]) -> bool:
    return int(group["attempts"]) >= int(group["max"])
