"""What the management API does to instances: start, read, raise events, terminate, suspend/resume, rewind, purge."""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from uuid import uuid4

from devhost.durable.core import (
    TERMINAL,
    EngineCore,
    EngineError,
    Live,
    _validate_instance_id,
)
from devhost.durable.events import EventType, event, utcnow
from devhost.durable.replay import played_json
from devhost.durable.rewind import plan_rewind
from devhost.durable.store import ACTIVITY, ORCH, InstanceRow

log = logging.getLogger("devhost.durable")


class InstanceControl(EngineCore):
    """The public operations on orchestration instances (called by ``api.py``)."""

    def start_new(
        self,
        name: str,
        instance_id: str | None,
        input_value: Any,
        has_input: bool,
        version: str | None = None,
    ) -> str:
        """Create an instance of orchestrator ``name``; ``input_value`` is the parsed request body;
        ``version`` as given on start, else host.json's ``defaultVersion``."""
        info = self._function(name, "orchestrationTrigger")
        if info is None:
            raise EngineError(
                400, f"The function '{name}' doesn't exist, is disabled, or is not an orchestrator function."
            )
        instance_id = instance_id or uuid4().hex
        _validate_instance_id(instance_id)
        existing = self.store.load_instance(instance_id)
        if existing is not None and existing.status not in TERMINAL:
            raise EngineError(409, f"An instance with ID '{instance_id}' already exists and is running.")
        input_json = json.dumps(input_value) if has_input else None
        version_text = self.versioning.version_for_new(version)
        row = self._new_row(info.name, instance_id, input_json, None, None, version_text)
        with self._step() as step:
            self.store.delete_instance(instance_id)
            self.store.save_instance(row)
            step.started.append(row)
        return instance_id

    def get_row(self, instance_id: str) -> InstanceRow | None:
        return self.store.load_instance(instance_id)

    def history_events(self, instance_id: str) -> list[dict[str, Any]]:
        return [json.loads(text) for text in self.store.load_history(instance_id)]

    def raise_event(self, instance_id: str, name: str, value: Any, has_value: bool) -> None:
        row = self._require(instance_id)
        if row.status in TERMINAL:
            raise EngineError(410, f"The instance '{instance_id}' is in the {row.status} state.")
        raised = event(
            EventType.EventRaised, utcnow(), Name=name, Input=json.dumps(value) if has_value else None
        )
        with self._step() as step:
            self._post(step, ORCH, instance_id, {"event": raised, "exec": None, "kind": "external"})

    def terminate(self, instance_id: str, reason: str | None) -> None:
        row = self._require(instance_id)
        if row.status in TERMINAL:
            raise EngineError(410, f"The instance '{instance_id}' is in the {row.status} state.")
        live = self._live(instance_id)
        assert live is not None
        row = live.row
        if live.played is None:
            live.played = self.store.load_history(instance_id)
        now = utcnow()
        ended = event(EventType.ExecutionTerminated, now, Input=json.dumps(reason))
        with self._step() as step:
            self.store.delete_messages_of(instance_id, ORCH)
            self.store.delete_messages_of(instance_id, ACTIVITY)
            self.store.append_history(instance_id, len(live.played), [played_json(ended)])
            row.status, row.output, row.updated = "Terminated", json.dumps(reason), time.time()
            self.store.save_instance(row)
            if row.parent_id:
                failed = event(
                    EventType.SubOrchestrationInstanceFailed,
                    now,
                    TaskScheduledId=row.parent_seq,
                    Reason=f"Sub-orchestration '{instance_id}' was terminated: {reason}",
                    Details=None,
                )
                self._post(
                    step, ORCH, row.parent_id, {"event": failed, "exec": row.progress.get("parent_exec")}
                )
        self._active.pop(instance_id, None)

    def suspend(self, instance_id: str, reason: str | None) -> None:
        self._set_suspended(instance_id, reason, suspended=True)

    def resume(self, instance_id: str, reason: str | None) -> None:
        self._set_suspended(instance_id, reason, suspended=False)

    def _set_suspended(self, instance_id: str, reason: str | None, suspended: bool) -> None:
        row = self._require(instance_id)
        if row.status in TERMINAL:
            raise EngineError(410, f"The instance '{instance_id}' is in the {row.status} state.")
        live = self._live(instance_id)
        assert live is not None
        if (live.row.status == "Suspended") == suspended:
            return
        kind = EventType.ExecutionSuspended if suspended else EventType.ExecutionResumed
        marker = event(kind, utcnow(), Reason=reason)
        live.generation += 1
        with self._step() as step:
            live.row.status = "Suspended" if suspended else "Running"
            live.row.updated = time.time()
            self.store.save_instance(live.row)
            self._post(step, ORCH, instance_id, {"event": marker, "exec": None})
        if not suspended and (live.inbox or live.kick):
            self._mark_ready(instance_id)

    def rewind(self, instance_id: str, reason: str | None) -> None:
        """Re-run a Failed instance: drop its failure events and re-dispatch the failed work."""
        row = self._require(instance_id)
        if row.status in ("Completed", "Terminated", "Canceled"):
            raise EngineError(410, f"The instance '{instance_id}' is in the {row.status} state.")
        if row.status != "Failed":
            return
        plan = plan_rewind(self.history_events(instance_id), row.progress)
        live = Live(row, played=[played_json(e) for e in plan.kept], kick=True)
        rewind_children: list[str] = []
        with self._step() as step:
            self.store.delete_messages_of(instance_id, ORCH)
            self.store.replace_history(instance_id, live.played or [])
            row.status, row.output, row.updated = "Running", None, time.time()
            self.store.save_instance(row)
            for ev in plan.redo:
                if ev["EventType"] == EventType.TaskScheduled:
                    payload = {
                        "seq": ev["EventId"],
                        "name": ev["Name"],
                        "input": ev.get("Input"),
                        "exec": row.execution_id,
                    }
                    self._post(step, ACTIVITY, instance_id, payload)
                else:
                    child = self.store.load_instance(ev["InstanceId"])
                    if child is not None and child.status == "Failed":
                        rewind_children.append(ev["InstanceId"])
                    else:
                        self._start_child(
                            step,
                            row,
                            ev["Name"],
                            ev["InstanceId"],
                            ev.get("Input"),
                            ev["EventId"],
                            ev.get("Version") or "",
                        )
            self._active[instance_id] = live
            self._mark_ready(instance_id)
        for child_id in rewind_children:
            self.rewind(child_id, reason)
        log.info("instance rewound", extra={"count": len(plan.redo)})

    def purge(self, instance_id: str) -> int:
        if self.store.load_instance(instance_id) is None:
            return 0
        with self.store.transaction():
            self.store.delete_instance(instance_id)
        self._active.pop(instance_id, None)
        return 1

    def purge_where(self, where: str, params: tuple[Any, ...]) -> int:
        rows = self.store.query_instances(where, params)
        with self.store.transaction():
            for row in rows:
                self.store.delete_instance(row.instance_id)
        for row in rows:
            self._active.pop(row.instance_id, None)
        return len(rows)
