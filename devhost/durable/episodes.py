"""Orchestrator episodes: deliver the inbox to the SDK once, apply the actions it returns, commit it all."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from devhost.durable import replay, retries
from devhost.durable.actions import CONTINUE, ActionApplier, Effects
from devhost.durable.core import (
    TERMINAL,
    EngineCore,
    Live,
)
from devhost.durable.events import EventType, event, utcnow
from devhost.durable.store import ORCH, InstanceRow, MessageRow
from devhost.invoke import WorkerCrashed

log = logging.getLogger("devhost.durable")


class Episodes(EngineCore):
    """Runs orchestrator episodes (one at a time; the SDK call on the SDK thread)."""

    async def _episode(self, live: Live, one_external: bool = False) -> None:
        """Deliver the inbox to the orchestrator once, apply its actions, persist it all in one step.

        External events are delivered together, except when the orchestrator continues as new: then the
        episode is redone with only the first one, so later events carry over to the next execution as in
        DTFx (the episode has no effects before its commit, and replay is deterministic).
        """
        row = live.row
        saved = (list(live.inbox), live.first_pending, live.kick, json.dumps(row.progress))
        if live.played is None:
            live.played = self.store.load_history(row.instance_id)
        now = utcnow()
        inbox = _sort_inbox(live, row, one_external)
        live.urgent = False
        if not (inbox.retry_steps or inbox.arrivals or live.kick or not live.played):
            # only stale messages (timers, results of an earlier execution): drop them without an episode
            with self.store.transaction():
                self.store.delete_messages(inbox.consumed)
            return
        live.kick = False

        current: list[dict[str, Any]] = [event(EventType.OrchestratorStarted, now)]
        if not live.played:
            current.append(self._execution_started(row, now))
        effects = Effects()
        applier = ActionApplier(row, now, self, effects)
        for message in inbox.retry_steps:  # first, so their task ids are taken in the SDK's order
            ev = message.payload["event"]
            group = retries.group_of(row.progress.setdefault("retries", {}), ev)
            assert group is not None
            current.append(ev)
            applier.advance_retry(group, ev)
        current += [m.payload["event"] for m in inbox.arrivals]  # in arrival order, as DTFx delivers them

        info = self._function(row.name, "orchestrationTrigger")
        version_problem = self.versioning.mismatch(row.progress.get("version"))
        if info is None:
            outcome = replay.EpisodeOutcome(state={}, error=f"The function '{row.name}' doesn't exist.")
        elif version_problem is not None:  # versionFailureStrategy Fail (Reject never gets here)
            outcome = replay.EpisodeOutcome(state={}, error=version_problem)
        else:
            context = replay.context_json(row.instance_id, row.parent_id, row.input, live.played, current)
            generation = live.generation
            try:
                outcome = await self._sdk_call(replay.invoke, info, context)
            except WorkerCrashed:  # like a lost work item on Azure: the episode runs again
                log.warning(
                    "orchestrator episode of %s lost with its worker process; running it again", row.name
                )
                self._drop_episode(live, saved)
                return
            if self._active.get(row.instance_id) is not live or live.generation != generation:
                self._drop_episode(live, saved)
                return
        state, failure = outcome.state, outcome.error
        flat = replay.flatten(state.get("actions"))
        new_actions = flat[int(row.progress.get("actions_done", 0)) :]
        continues = bool(state.get("isDone")) and any(
            a.get("actionType") == replay.CONTINUE_AS_NEW for a in new_actions
        )
        if continues and inbox.externals > 1:
            live.inbox, live.first_pending, live.kick = saved[0], saved[1], saved[2]
            row.progress = json.loads(saved[3])
            await self._episode(live, one_external=True)
            return

        before_walk = (json.dumps(row.progress), len(effects.produced))
        row.progress["actions_done"] = len(flat)
        continue_input: Any = None
        for action in new_actions:
            problem = applier.apply(action)
            if problem == CONTINUE:
                continue_input = action.get("input")
            elif problem:
                failure = failure or problem
                break

        if state.get("customStatus") is not None:
            row.custom_status = json.dumps(state["customStatus"])
        terminal: list[dict[str, Any]] = []
        parent_event: dict[str, Any] | None = None
        if failure is not None:
            output = f"Orchestrator function '{row.name}' failed: {failure}"
            row.status, row.output = "Failed", json.dumps(output)
            # Keep the history rewindable: actions of the failing episode are not recorded (a rewind replays
            # them as new) and no work of the failed instance is dispatched.
            row.progress = json.loads(before_walk[0])
            del effects.produced[before_walk[1] :]
            effects.posts, effects.children = [], []
            continues = False
            terminal.append(event(EventType.ExecutionCompleted, now, OrchestrationStatus=3, Result=output))
            parent_event = event(EventType.SubOrchestrationInstanceFailed, now, Reason=output, Details=None)
        elif state.get("isDone") and not continues:
            result = json.dumps(state["output"]) if "output" in state else None
            row.status, row.output = "Completed", result
            terminal.append(event(EventType.ExecutionCompleted, now, OrchestrationStatus=1, Result=result))
            parent_event = event(EventType.SubOrchestrationInstanceCompleted, now, Result=result)
        elif not continues:
            row.status = "Running"

        row.updated = time.time()
        episode = [*current, *effects.produced, event(EventType.OrchestratorCompleted, now), *terminal]
        new_played = [replay.played_json(e) for e in episode]
        parent_exec = row.progress.get("parent_exec")
        with self._step() as step:
            self.store.delete_messages(inbox.consumed)
            if continues:
                self._reset_for_continue_as_new(row, continue_input)
                self.store.replace_history(row.instance_id, [])
            else:
                self.store.append_history(row.instance_id, len(live.played), new_played)
            self.store.save_instance(row)
            for name, child_id, child_input, seq, version in effects.children:
                self._start_child(step, row, name, child_id, child_input, seq, version)
            for queue, target, payload, visible_at in effects.posts:
                self._post(step, queue, target, payload, visible_at)
            if parent_event is not None and row.parent_id:
                parent_event["TaskScheduledId"] = row.parent_seq
                self._post(step, ORCH, row.parent_id, {"event": parent_event, "exec": parent_exec})
        if continues:
            live.played, live.kick, live.outstanding = [], True, 0
            self._mark_ready(row.instance_id)
        else:
            live.played.extend(new_played)
        if row.status in TERMINAL:
            self._active.pop(row.instance_id, None)
        elif live.inbox:
            self._mark_ready(row.instance_id)

    def _drop_episode(self, live: Live, saved: tuple[list[MessageRow], float, bool, str]) -> None:
        """Terminate, suspend or purge came while the SDK ran: the episode had no effects yet (they happen
        at its commit), so it is forgotten and its messages go back to the inbox for a later one."""
        known = {m.id for m in saved[0]}
        live.inbox = saved[0] + [m for m in live.inbox if m.id not in known]
        live.first_pending, live.kick = saved[1], saved[2]
        live.row.progress = json.loads(saved[3])
        if self._active.get(live.row.instance_id) is live:
            self._mark_ready(live.row.instance_id)

    def _execution_started(self, row: InstanceRow, now: Any) -> dict[str, Any]:
        return event(
            EventType.ExecutionStarted,
            now,
            Name=row.name,
            Version=row.progress.get("version") or "",
            Input=row.input,
            OrchestrationInstance={"InstanceId": row.instance_id, "ExecutionId": row.execution_id},
            ParentInstance=(
                {"OrchestrationInstance": {"InstanceId": row.parent_id}, "TaskScheduleId": row.parent_seq}
                if row.parent_id
                else None
            ),
            Tags=None,
        )


@dataclass
class _Inbox:
    consumed: list[int]
    retry_steps: list[MessageRow]
    #: everything else to deliver, in arrival order
    arrivals: list[MessageRow]
    externals: int = 0


def _sort_inbox(live: Live, row: InstanceRow, one_external: bool) -> _Inbox:
    """Split the inbox: stale messages (older executions), retry steps, other completions, external events."""
    inbox = _Inbox([], [], [])
    remaining: list[MessageRow] = []
    groups = row.progress.setdefault("retries", {})
    for message in live.inbox:
        wanted_exec = message.payload.get("exec")
        if wanted_exec is not None and wanted_exec != row.execution_id:
            inbox.consumed.append(message.id)
        elif message.payload.get("kind") == "external":
            if one_external and inbox.externals:
                remaining.append(message)
            else:
                inbox.externals += 1
                inbox.arrivals.append(message)
        elif retries.group_of(groups, message.payload["event"]) is not None:
            inbox.retry_steps.append(message)
        else:
            inbox.arrivals.append(message)
    live.inbox = remaining
    live.first_pending = time.monotonic() if remaining else 0.0
    inbox.consumed += [m.id for m in inbox.retry_steps + inbox.arrivals]
    return inbox
