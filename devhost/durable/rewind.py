"""Rewind planning: which history a Failed instance keeps and which failed work runs again.

Failure events are dropped (for an exhausted retry: its last failure and the extra timer after it, whose task
id is handed back), the terminal event goes, and the tasks whose failures were dropped are re-dispatched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from devhost.durable.events import EventType

SCHEDULING = (EventType.TaskScheduled, EventType.SubOrchestrationInstanceCreated)
FAILURES = (EventType.TaskFailed, EventType.SubOrchestrationInstanceFailed)
TERMINAL = (EventType.ExecutionCompleted, EventType.ExecutionFailed)


@dataclass
class RewindPlan:
    kept: list[dict[str, Any]]
    #: the TaskScheduled / SubOrchestrationInstanceCreated events of the work to run again
    redo: list[dict[str, Any]]


def plan_rewind(events: list[dict[str, Any]], progress: dict[str, Any]) -> RewindPlan:
    """Plan the rewind of a Failed instance; updates ``progress`` (retry groups, next task id) in place."""
    groups: dict[str, dict[str, Any]] = progress.setdefault("retries", {})
    drop_ids: set[int] = set()
    drop_timers: set[int] = set()
    for group in groups.values():
        if group.get("done") and group.get("timer_last") is not None:
            drop_ids.add(group["current"])
            drop_timers.add(group["timer_last"])
            if group["timer_last"] == progress.get("next_seq", 0) - 1:
                progress["next_seq"] -= 1
            group.update(done=False, timer=None, timer_last=None)
    retry_ids = {seq for group in groups.values() for seq in group["seqs"]}
    scheduled = {e["EventId"]: e for e in events if e["EventType"] in SCHEDULING}
    plan = RewindPlan(kept=[], redo=[])
    for ev in events:
        kind = ev["EventType"]
        if kind in TERMINAL:
            continue
        if kind in FAILURES:
            task_id = ev.get("TaskScheduledId")
            if task_id in drop_ids or task_id not in retry_ids:
                if task_id in scheduled:
                    plan.redo.append(scheduled[task_id])
                continue
        if kind == EventType.TimerCreated and ev.get("EventId") in drop_timers:
            continue
        if kind == EventType.TimerFired and ev.get("TimerId") in drop_timers:
            continue
        plan.kept.append(ev)
    return plan
