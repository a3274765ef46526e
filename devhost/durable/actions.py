"""Turn an orchestrator's new actions (and retry steps) into history events and work, like the extension's shim.

Task ids are handed out in the order of the action list (compound actions depth-first): every action but
``WaitForExternalEvent`` takes one, as the SDK numbers them. Retry timers and re-scheduled attempts take theirs
when the failure / timer is processed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from uuid import NAMESPACE_URL, uuid5

from devhost.durable import replay, retries
from devhost.durable.events import EventType, event, iso, parse_iso
from devhost.durable.store import ACTIVITY, ENTITY, ORCH, InstanceRow
from devhost.durable.versioning import VersionPolicy

HTTP_NOT_SUPPORTED = "Durable HTTP (call_http) is not supported by the local host"
CONTINUE = "continue"


class Catalog(Protocol):
    """Which functions the app has (names compared case-insensitively)."""

    def has(self, name: str, trigger_type: str) -> bool: ...

    def known(self, trigger_type: str) -> str: ...

    @property
    def versioning(self) -> VersionPolicy: ...


@dataclass
class Effects:
    """What one episode produces: new history events, messages to post, child instances to start."""

    produced: list[dict[str, Any]] = field(default_factory=list)
    posts: list[tuple[str, str, dict[str, Any], float]] = field(default_factory=list)
    children: list[tuple[str, str, Any, int, str]] = field(
        default_factory=list
    )  # name, id, input, seq, version


class ActionApplier:
    """Applies actions for one instance during one episode (mutates ``row.progress`` and ``effects``)."""

    def __init__(self, row: InstanceRow, now: datetime, catalog: Catalog, effects: Effects) -> None:
        self.row = row
        self.now = now
        self.catalog = catalog
        self.effects = effects

    def next_seq(self) -> int:
        seq = int(self.row.progress.get("next_seq", 0))
        self.row.progress["next_seq"] = seq + 1
        return seq

    def apply(self, action: dict[str, Any]) -> str | None:
        """One new action; returns ``CONTINUE`` for continue-as-new, or an error that fails the instance."""
        kind = action.get("actionType")
        if kind == replay.WAIT_FOR_EXTERNAL_EVENT:
            return None
        seq = self.next_seq()
        if kind == replay.CONTINUE_AS_NEW:
            return CONTINUE
        if kind in (replay.CALL_ACTIVITY, replay.CALL_ACTIVITY_WITH_RETRY):
            name = str(action.get("functionName"))
            if not self.catalog.has(name, "activityTrigger"):
                return _missing(name, "activity", self.catalog.known("activityTrigger"))
            self._schedule_activity(seq, name, action.get("input"))
            if kind == replay.CALL_ACTIVITY_WITH_RETRY:
                self._retries()[str(seq)] = retries.new_group("activity", action, seq, None)
            return None
        if kind in (replay.CALL_SUB_ORCHESTRATOR, replay.CALL_SUB_ORCHESTRATOR_WITH_RETRY):
            name = str(action.get("functionName"))
            if not self.catalog.has(name, "orchestrationTrigger"):
                return _missing(name, "orchestrator", self.catalog.known("orchestrationTrigger"))
            given = action.get("instanceId")
            child_id = given or self._derived_id(seq)
            if child_id in (self.row.instance_id, self.row.parent_id) or child_id.startswith("@"):
                return f"Invalid sub-orchestration instance id '{child_id}'."
            version = self.catalog.versioning.version_for_new(action.get("version"))
            self._start_child(seq, name, child_id, action.get("input"), version)
            if kind == replay.CALL_SUB_ORCHESTRATOR_WITH_RETRY:
                group = self._retries()[str(seq)] = retries.new_group("sub", action, seq, given)
                group["version"] = version
            return None
        if kind == replay.CREATE_TIMER:
            fire_text = str(action["fireAt"])
            self._timer(seq, parse_iso(fire_text), fire_text)
            return None
        if kind in (replay.CALL_ENTITY, replay.SIGNAL_ENTITY, replay.SCHEDULED_SIGNAL_ENTITY):
            self._send_to_entity(seq, action, signal=kind != replay.CALL_ENTITY)
            return None
        if kind == replay.CALL_HTTP:
            self.effects.produced.append(
                event(EventType.TaskScheduled, self.now, seq, Name="BuiltIn::HttpActivity", Version="")
            )
            failed = event(
                EventType.TaskFailed,
                self.now,
                TaskScheduledId=seq,
                Reason=HTTP_NOT_SUPPORTED,
                Details=HTTP_NOT_SUPPORTED,
            )
            self._post(ORCH, self.row.instance_id, {"event": failed, "exec": self.row.execution_id})
            return None
        return f"Unsupported action type {kind!r}."

    def advance_retry(self, group: dict[str, Any], ev: dict[str, Any]) -> None:
        """A failed attempt starts the wait timer; the timer re-schedules, unless attempts are used up."""
        if ev["EventType"] in retries.FAILURES:
            delay = 0.0 if retries.is_last_attempt(group) else group["interval_ms"] / 1000.0
            fire_at = self.now + timedelta(seconds=delay)
            group["timer"] = self.next_seq()
            self._timer(group["timer"], fire_at, iso(fire_at))
            return
        group["timer_last"], group["timer"] = group["timer"], None
        if retries.is_last_attempt(group):
            group["done"] = True
            return
        seq = self.next_seq()
        group["attempts"] += 1
        group["current"] = seq
        group["seqs"].append(seq)
        if group["kind"] == "activity":
            self._schedule_activity(seq, group["name"], group["input"])
        else:
            child = group["child"] or self._derived_id(seq)
            self._start_child(seq, group["name"], child, group["input"], group.get("version") or "")

    # effects ---------------------------------------------------------------------------------------------

    def _retries(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = self.row.progress.setdefault("retries", {})
        return found

    def _derived_id(self, seq: int) -> str:
        return str(uuid5(NAMESPACE_URL, f"{self.row.instance_id}:{self.row.execution_id}:{seq}"))

    def _post(self, queue: str, target: str, payload: dict[str, Any], visible_at: float = 0.0) -> None:
        self.effects.posts.append((queue, target, payload, visible_at))

    def _schedule_activity(self, seq: int, name: str, text: Any) -> None:
        self.effects.produced.append(
            event(EventType.TaskScheduled, self.now, seq, Name=name, Version="", Input=text)
        )
        work = {"seq": seq, "name": name, "input": text, "exec": self.row.execution_id}
        self._post(ACTIVITY, self.row.instance_id, work)

    def _start_child(self, seq: int, name: str, child_id: str, text: Any, version: str) -> None:
        self.effects.produced.append(
            event(
                EventType.SubOrchestrationInstanceCreated,
                self.now,
                seq,
                Name=name,
                InstanceId=child_id,
                Input=text,
                Version=version,
            )
        )
        self.effects.children.append((name, child_id, text, seq, version))

    def _timer(self, seq: int, fire_at: datetime, fire_text: str) -> None:
        self.effects.produced.append(event(EventType.TimerCreated, self.now, seq, FireAt=fire_text))
        fired = event(EventType.TimerFired, fire_at.astimezone(UTC), TimerId=seq, FireAt=fire_text)
        self._post(
            ORCH, self.row.instance_id, {"event": fired, "exec": self.row.execution_id}, fire_at.timestamp()
        )

    def _send_to_entity(self, seq: int, action: dict[str, Any], signal: bool) -> None:
        entity_id = str(action.get("instanceId"))
        request = {
            "op": action.get("operation"),
            "id": self._derived_id(seq),
            "input": action.get("input"),
            "parent": self.row.instance_id,
            "parentExecution": self.row.execution_id,
            "isSignal": signal,
        }
        self.effects.produced.append(
            event(
                EventType.EventSent, self.now, seq, InstanceId=entity_id, Name="op", Input=json.dumps(request)
            )
        )
        visible = parse_iso(str(action["fireAt"])).timestamp() if action.get("fireAt") else 0.0
        self._post(ENTITY, entity_id, request, visible)


def _missing(name: str, kind: str, known: str) -> str:
    return (
        f"The function '{name}' doesn't exist, is disabled, or is not an {kind} function. "
        f"Additional info: the following are the known {kind} functions: {known}."
    )
