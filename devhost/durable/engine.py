"""The durable engine: runs orchestrations, activities, entities and timers of an unmodified ``DFApp``.

Design for speed while persisting every step:

* All state changes happen on the event loop thread, one SQLite transaction per step (an orchestrator episode,
  a batch of activity completions, an entity batch). Effects (work items, timers, wake-ups) are handed on only
  after the commit, so a crash at any point leaves a state the engine resumes from.
* Work travels through in-process queues and ``asyncio.Event`` wake-ups; nothing polls on the hot path.
  The timer loop sleeps until the next due timer.
* Completions that arrive together are delivered to the orchestrator in ONE episode: the SDK replays the whole
  history every episode, so fewer, larger episodes are what makes fan-out fast.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import heapq
import inspect
import json
import logging
import os
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

from devhost.durable import replay, retries
from devhost.durable.actions import CONTINUE, ActionApplier, Effects
from devhost.durable.api import management_routes
from devhost.durable.binding import client_binding
from devhost.durable.entities import (
    entity_id,
    log_signal_failure,
    response_event,
    run_batch,
    split_entity_id,
)
from devhost.durable.events import EventType, event, utcnow
from devhost.durable.replay import played_json
from devhost.durable.rewind import plan_rewind
from devhost.durable.store import ACTIVITY, ENTITY, ORCH, DurableStore, InstanceRow, MessageRow
from devhost.durable.versioning import VersionPolicy
from devhost.functions import FunctionIndex, FunctionInfo
from devhost.invoke import Invoker

log = logging.getLogger("devhost.durable")

TERMINAL = frozenset({"Completed", "Failed", "Terminated", "Canceled"})
ACTIVITY_RESULTS = frozenset({EventType.TaskCompleted, EventType.TaskFailed})
#: While other activities of the same instance are still running and completions keep flowing in, the
#: next episode waits for more of them: at most ``max(BATCH_WINDOW_SECONDS, 4 x last episode time)``
#: (about what the extra replays it saves would cost) and no longer than ``IDLE_GAP_SECONDS`` after the last
#: arrival. A fan-in is then delivered in one or two large episodes instead of many small ones. Only
#: activity results wait: events, timers and entity responses wake the orchestrator at once.
BATCH_WINDOW_SECONDS = 0.03
IDLE_GAP_SECONDS = 0.003


class EngineError(Exception):
    """A management request the engine refuses; ``status`` is the HTTP code the API answers with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Live:
    """An instance that is not terminal, with its in-memory inbox and cached history."""

    row: InstanceRow
    played: list[str] | None = None
    inbox: list[MessageRow] = field(default_factory=list)
    outstanding: int = 0
    first_pending: float = 0.0
    last_arrival: float = 0.0
    episode_seconds: float = 0.0
    kick: bool = False
    deferred: bool = False
    #: the inbox holds something other than activity results (an event, a timer, an entity response)
    urgent: bool = False
    #: bumped by suspend/resume: an episode that was running in the SDK thread meanwhile is dropped
    generation: int = 0


@dataclass
class _Step:
    posted: list[MessageRow] = field(default_factory=list)
    started: list[InstanceRow] = field(default_factory=list)


def _cpu_count() -> int:
    return os.cpu_count() or 1


class DurableEngine:
    """Durable Task runtime for one app; see the module docstring for the design."""

    def __init__(
        self,
        index: FunctionIndex,
        state_dir: Path,
        host_json: dict[str, Any],
        base_url: str,
        system_key: str | None = None,
    ) -> None:
        self.index = index
        self.system_key = system_key  # carried in the URLs handed out; the host's guard checks it
        self.invoker: Invoker | None = None  # set by the host: runs activities with all their bindings
        self.state_dir = Path(state_dir)
        options = (host_json.get("extensions") or {}).get("durableTask") or {}
        self.hub_name = str(options.get("hubName") or "TestHubName")
        self.versioning = VersionPolicy.from_options(options)
        self._rejected: set[str] = (
            set()
        )  # instances left unrun by versionFailureStrategy Reject (logged once)
        self.max_activities = int(options.get("maxConcurrentActivityFunctions") or 10 * _cpu_count())
        self.max_entity_batch = int(options.get("maxEntityOperationBatchSize") or 5000)
        self.function_timeout_text = str(host_json.get("functionTimeout") or "00:30:00")
        self.function_timeout = timespan_seconds(self.function_timeout_text)
        self.base_url = base_url.rstrip("/")
        self._store: DurableStore | None = None
        self._active: dict[str, Live] = {}
        self._ready: deque[str] = deque()
        self._ready_set: set[str] = set()
        self._ready_event = asyncio.Event()
        self._activity_queue: asyncio.Queue[MessageRow] = asyncio.Queue()
        self._completions: list[tuple[MessageRow, dict[str, Any]]] = []
        self._completion_event = asyncio.Event()
        self._entity_ops: dict[str, list[MessageRow]] = defaultdict(list)
        self._entity_ready: deque[str] = deque()
        self._entity_event = asyncio.Event()
        self._timers: list[tuple[float, int, MessageRow]] = []
        self._timer_event = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._pool: ThreadPoolExecutor | None = None
        # The SDK's orchestrator and entity handle() run here, one at a time, never on the event loop: a
        # long replay must not hold up HTTP requests (the worker runs them off its gRPC loop too). One
        # thread keeps SDK calls serial (its warnings capture is process-global).
        self._sdk_thread: ThreadPoolExecutor | None = None
        self._changed = asyncio.Event()
        self.routes = management_routes(self)

    # lifecycle -------------------------------------------------------------------------------------------

    @property
    def store(self) -> DurableStore:
        if self._store is None:
            raise RuntimeError("engine not started")
        return self._store

    async def start(self) -> None:
        """Open the state, resume every unfinished instance and pending message, start the loops."""
        self._store = DurableStore(self.state_dir / "durable.sqlite3")
        self._pool = ThreadPoolExecutor(self.max_activities, thread_name_prefix="activity")
        self._sdk_thread = ThreadPoolExecutor(1, thread_name_prefix="durable-sdk")
        for row in self.store.query_instances("status NOT IN ('Completed','Failed','Terminated','Canceled')"):
            live = Live(row)
            live.played = self.store.load_history(row.instance_id)
            live.kick = not live.played
            self._active[row.instance_id] = live
            self._mark_ready(row.instance_id)
        for message in self.store.all_messages():
            self._dispatch(message)
        loops = [self._orchestrator_loop(), self._commit_loop(), self._entity_loop(), self._timer_loop()]
        loops += [self._activity_worker() for _ in range(self.max_activities)]
        self._tasks = [asyncio.create_task(loop) for loop in loops]
        log.info("durable engine started", extra={"count": len(self._active)})

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        if self._completions and self._store is not None:  # finished work is not re-run after a clean stop
            batch, self._completions = self._completions, []
            self._commit_completions(batch)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._sdk_thread is not None:
            self._sdk_thread.shutdown(wait=True, cancel_futures=True)
            self._sdk_thread = None
        if self._store is not None:
            self._store.close()
            self._store = None

    def client_binding_json(self) -> str:
        return json.dumps(client_binding(self.base_url, self.hub_name, system_key=self.system_key))

    # steps: one transaction, effects after commit --------------------------------------------------------

    @contextmanager
    def _step(self) -> Iterator[_Step]:
        step = _Step()
        with self.store.transaction():
            yield step
        for row in step.started:
            live = Live(row, played=[], kick=True)
            self._active[row.instance_id] = live
            self._mark_ready(row.instance_id)
        for message in step.posted:
            self._dispatch(message)
        self._notify_changed()

    def _post(
        self, step: _Step, queue: str, target: str, payload: dict[str, Any], visible_at: float = 0.0
    ) -> None:
        message_id = self.store.add_message(queue, target, payload, visible_at)
        step.posted.append(MessageRow(message_id, queue, target, payload, visible_at))

    def _dispatch(self, message: MessageRow) -> None:
        if message.visible_at > time.time():
            heapq.heappush(self._timers, (message.visible_at, message.id, message))
            self._timer_event.set()
            return
        if message.queue == ORCH:
            self._deliver(message)
        elif message.queue == ACTIVITY:
            live = self._active.get(message.target)
            if live is not None:
                live.outstanding += 1
            self._activity_queue.put_nowait(message)
        elif message.queue == ENTITY:
            pending = self._entity_ops[message.target]
            pending.append(message)
            if len(pending) == 1:
                self._entity_ready.append(message.target)
                self._entity_event.set()

    def _deliver(self, message: MessageRow) -> None:
        live = self._live(message.target)
        if live is None:
            with self.store.transaction():
                self.store.delete_messages([message.id])
            return
        now = time.monotonic()
        if not live.inbox:
            live.first_pending = now
        live.last_arrival = now
        if message.payload["event"].get("EventType") not in ACTIVITY_RESULTS:
            live.urgent = True
        live.inbox.append(message)
        self._mark_ready(message.target)

    def _live(self, instance_id: str) -> Live | None:
        live = self._active.get(instance_id)
        if live is not None:
            return live
        row = self.store.load_instance(instance_id)
        if row is None or row.status in TERMINAL:
            return None
        live = Live(row)
        self._active[instance_id] = live
        return live

    def _mark_ready(self, instance_id: str) -> None:
        if instance_id not in self._ready_set:
            self._ready_set.add(instance_id)
            self._ready.append(instance_id)
            self._ready_event.set()

    def _notify_changed(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def wait_changed(self, timeout: float) -> None:
        """Wait until some step commits (or ``timeout``): lets API waits avoid fixed polling."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout)

    # loops -----------------------------------------------------------------------------------------------

    async def _orchestrator_loop(self) -> None:
        while True:
            await self._ready_event.wait()
            self._ready_event.clear()
            while self._ready:
                instance_id = self._ready.popleft()
                self._ready_set.discard(instance_id)
                live = self._active.get(instance_id)
                if live is None or live.row.status == "Suspended" or not (live.inbox or live.kick):
                    continue
                if live.outstanding and not (live.kick or live.urgent):
                    now = time.monotonic()
                    until = live.first_pending + max(BATCH_WINDOW_SECONDS, 4 * live.episode_seconds)
                    if self._activity_queue.empty():  # only running work left: stop once arrivals pause
                        until = min(until, live.last_arrival + IDLE_GAP_SECONDS)
                    if now < until:
                        if not live.deferred:
                            live.deferred = True
                            asyncio.get_running_loop().call_later(until - now, self._undefer, instance_id)
                        continue
                if self._rejected_by_version(live.row):
                    continue
                started = time.perf_counter()
                try:
                    await self._episode(live)
                    live.episode_seconds = time.perf_counter() - started
                except Exception as exc:
                    log.exception("orchestrator episode failed in the host", extra={"count": 1})
                    self._fail_for_host_error(live, exc)
                await asyncio.sleep(0)

    def _rejected_by_version(self, row: InstanceRow) -> bool:
        """versionFailureStrategy Reject: an instance this worker's version may not run stays as it is."""
        if self.versioning.failure != "Reject":
            return False
        reason = self.versioning.mismatch(row.progress.get("version"))
        if reason is None:
            return False
        if row.instance_id not in self._rejected:
            self._rejected.add(row.instance_id)
            log.warning("orchestration %s not run: %s", row.instance_id, reason)
        return True

    def _fail_for_host_error(self, live: Live, exc: Exception) -> None:
        """A bug or bad state in the host (not user code) fails the instance instead of wedging it."""
        row = live.row
        output = f"Orchestrator function '{row.name}' failed: host error: {type(exc).__name__}: {exc}"
        try:
            with self._step() as step:
                self.store.delete_messages_of(row.instance_id, ORCH)
                row.status, row.output, row.updated = "Failed", json.dumps(output), time.time()
                self.store.save_instance(row)
                if row.parent_id:
                    failed = event(
                        EventType.SubOrchestrationInstanceFailed,
                        utcnow(),
                        TaskScheduledId=row.parent_seq,
                        Reason=output,
                        Details=None,
                    )
                    self._post(
                        step, ORCH, row.parent_id, {"event": failed, "exec": row.progress.get("parent_exec")}
                    )
        finally:
            self._active.pop(row.instance_id, None)

    def _undefer(self, instance_id: str) -> None:
        live = self._active.get(instance_id)
        if live is not None:
            live.deferred = False
            self._mark_ready(instance_id)

    async def _activity_worker(self) -> None:
        while True:
            message = await self._activity_queue.get()
            try:
                completion = await self._run_activity(message)
            except Exception:
                log.exception("activity dispatch failed in the host", extra={"count": 1})
                continue
            self._completions.append((message, completion))
            self._completion_event.set()

    async def _commit_loop(self) -> None:
        while True:
            await self._completion_event.wait()
            self._completion_event.clear()
            batch, self._completions = self._completions, []
            if batch:
                self._commit_completions(batch)

    def _commit_completions(self, batch: list[tuple[MessageRow, dict[str, Any]]]) -> None:
        """One transaction: delete the finished work items, post their results to the inboxes."""
        with self._step() as step:
            self.store.delete_messages([m.id for m, _ in batch])
            for message, completion in batch:
                live = self._active.get(message.target)
                if live is None or live.row.execution_id != message.payload["exec"]:
                    continue
                self._post(step, ORCH, message.target, {"event": completion, "exec": message.payload["exec"]})
        for message, _ in batch:
            live = self._active.get(message.target)
            if live is not None and live.row.execution_id == message.payload["exec"]:
                live.outstanding = max(0, live.outstanding - 1)
                if live.outstanding == 0 and live.inbox:
                    live.first_pending = 0.0
                    self._mark_ready(message.target)

    async def _timer_loop(self) -> None:
        while True:
            now = time.time()
            while self._timers and self._timers[0][0] <= now:
                _, _, message = heapq.heappop(self._timers)
                message.visible_at = 0.0
                self._dispatch(message)
            self._timer_event.clear()
            timeout = self._timers[0][0] - now if self._timers else None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._timer_event.wait(), timeout)

    async def _entity_loop(self) -> None:
        while True:
            await self._entity_event.wait()
            self._entity_event.clear()
            while self._entity_ready:
                target = self._entity_ready.popleft()
                try:
                    await self._entity_batch(target)
                except Exception:
                    log.exception("entity batch failed in the host", extra={"count": 1})
                await asyncio.sleep(0)

    # activities ------------------------------------------------------------------------------------------

    async def _run_activity(self, message: MessageRow) -> dict[str, Any]:
        from azure.functions import meta
        from azure.functions.durable_functions import ActivityTriggerConverter

        payload = message.payload
        seq, name = payload["seq"], payload["name"]
        live = self._active.get(message.target)
        if live is None or live.row.execution_id != payload["exec"]:
            # terminated, purged or continued-as-new meanwhile: the result would be dropped anyway
            return event(EventType.TaskFailed, utcnow(), TaskScheduledId=seq, Reason="dropped", Details=None)
        info = self._function(name, "activityTrigger")
        try:
            if info is None:
                raise LookupError(f"The function '{name}' doesn't exist or is not an activity function.")
            text = payload.get("input")
            value = (
                None
                if text is None
                else ActivityTriggerConverter.decode(meta.Datum(text, "json"), trigger_metadata=None)
            )
            deadline = asyncio.timeout(self.function_timeout)  # no extra task per call, unlike wait_for
            try:
                async with deadline:
                    result = await self._call_activity(info, value)
            except TimeoutError:
                if not deadline.expired():
                    raise
                raise TimeoutError(
                    f"Timeout value of {self.function_timeout_text} was exceeded by function: Functions.{name}"
                ) from None
            encoded = ActivityTriggerConverter.encode(result, expected_type=None).value
        except Exception as exc:
            return event(
                EventType.TaskFailed,
                utcnow(),
                TaskScheduledId=seq,
                Reason=f"Activity function '{name}' failed: {type(exc).__name__}: {exc}",
                Details=f"{type(exc).__name__}: {exc}",
            )
        result_text = None if encoded in (None, "null") else encoded
        return event(EventType.TaskCompleted, utcnow(), TaskScheduledId=seq, Result=result_text)

    async def _call_activity(self, info: FunctionInfo, value: Any) -> Any:
        """Through the host's invoker when there is one: the activity's other bindings (outputs,
        ``durableClient``, ``context``) are served like any function's, as the worker does."""
        if self.invoker is not None:
            return await self.invoker.invoke(info, value, executor=self._pool)
        fn = info.callable
        kwargs = {str(info.trigger["name"]): value}
        if inspect.iscoroutinefunction(fn):
            return await fn(**kwargs)
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(self._pool, functools.partial(fn, **kwargs))
        if inspect.isawaitable(result):
            result = await result
        return result

    def _function(self, name: str, trigger_type: str) -> FunctionInfo | None:
        info = self.index.get(name)
        if info is None or info.trigger_type != trigger_type:
            return None
        return info

    def has(self, name: str, trigger_type: str) -> bool:
        """``Catalog`` for the action applier: does the app have this function with this trigger?"""
        return self._function(name, trigger_type) is not None

    def known(self, trigger_type: str) -> str:
        return ", ".join(f"'{f.name}'" for f in self.index.of_type(trigger_type))

    # orchestrator episodes -------------------------------------------------------------------------------

    async def _in_sdk_thread(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._sdk_thread, fn, *args)

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
            outcome = await self._in_sdk_thread(replay.invoke, info.callable, context)
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

    # instances -------------------------------------------------------------------------------------------

    def _new_row(
        self,
        name: str,
        instance_id: str,
        input_json: str | None,
        parent: InstanceRow | None,
        seq: int | None,
        version: str = "",
    ) -> InstanceRow:
        now = time.time()
        progress: dict[str, Any] = {"next_seq": 0, "actions_done": 0, "retries": {}, "version": version}
        if parent is not None:
            progress["parent_exec"] = parent.execution_id
        return InstanceRow(
            instance_id=instance_id,
            name=name,
            execution_id=uuid4().hex,
            status="Pending",
            input=input_json,
            output=None,
            custom_status=None,
            created=now,
            updated=now,
            parent_id=parent.instance_id if parent else None,
            parent_seq=seq,
            progress=progress,
        )

    def _start_child(
        self,
        step: _Step,
        parent: InstanceRow,
        name: str,
        child_id: str,
        child_input: Any,
        seq: int,
        version: str,
    ) -> None:
        existing = self.store.load_instance(child_id)
        if existing is not None and existing.status not in TERMINAL:
            failed = event(
                EventType.SubOrchestrationInstanceFailed,
                utcnow(),
                TaskScheduledId=seq,
                Reason=f"An orchestration with instance id '{child_id}' is already running.",
                Details=None,
            )
            self._post(step, ORCH, parent.instance_id, {"event": failed, "exec": parent.execution_id})
            return
        row = self._new_row(name, child_id, json.dumps(child_input), parent, seq, version)
        self.store.delete_instance(child_id)
        self.store.save_instance(row)
        step.started.append(row)

    def _reset_for_continue_as_new(self, row: InstanceRow, new_input: Any) -> None:
        row.execution_id = uuid4().hex
        row.input = json.dumps(new_input)
        row.status = "Running"
        row.output = None
        parent_exec = row.progress.get("parent_exec")
        version = row.progress.get("version") or ""  # an instance keeps its version across continue_as_new
        row.progress = {"next_seq": 0, "actions_done": 0, "retries": {}, "version": version}
        if parent_exec:
            row.progress["parent_exec"] = parent_exec

    # public operations (used by the HTTP API) --------------------------------------------------------------

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

    def _require(self, instance_id: str) -> InstanceRow:
        live = self._active.get(instance_id)
        row = live.row if live is not None else self.store.load_instance(instance_id)
        if row is None:
            raise EngineError(404, f"No instance with ID '{instance_id}' was found.")
        return row

    # entities --------------------------------------------------------------------------------------------

    def signal_entity(self, name: str, key: str, operation: str, value: Any) -> None:
        request = {"op": operation, "id": uuid4().hex, "input": value, "parent": None, "isSignal": True}
        with self._step() as step:
            self._post(step, ENTITY, entity_id(name, key), request)

    def read_entity(self, name: str, key: str) -> tuple[bool, str | None]:
        found = self.store.load_entity(entity_id(name, key))
        if found is None:
            return False, None
        return found[0], found[1]

    def list_entities(self, name: str) -> list[tuple[str, bool, str | None, float]]:
        return self.store.list_entities(entity_id(name, ""))

    async def _entity_batch(self, target: str) -> None:
        pending = self._entity_ops.pop(target, [])
        if not pending:
            return
        batch, rest = pending[: self.max_entity_batch], pending[self.max_entity_batch :]
        if rest:
            self._entity_ops[target] = rest
            self._entity_ready.append(target)
            self._entity_event.set()
        name, _ = split_entity_id(target)
        loaded = self.store.load_entity(target)
        exists, state = (loaded[0], loaded[1]) if loaded else (False, None)
        info = self._function(name, "entityTrigger")
        handle = info.callable if info else None
        outcome = await self._in_sdk_thread(run_batch, handle, target, exists, state, batch)
        with self._step() as step:
            self.store.delete_messages([m.id for m in batch])
            self.store.save_entity(target, outcome.exists, outcome.state, time.time())
            for message, result in zip(batch, outcome.results, strict=False):
                parent = message.payload.get("parent")
                if message.payload.get("isSignal") or not parent:
                    if result.get("isError"):
                        log_signal_failure(target, message.payload.get("op"), result.get("result"))
                    continue
                raised = response_event(message.payload, result)
                self._post(
                    step, ORCH, parent, {"event": raised, "exec": message.payload.get("parentExecution")}
                )


def timespan_seconds(text: str) -> float:
    """A .NET TimeSpan (``[d.]hh:mm:ss[.fff]``, as in host.json ``functionTimeout``) in seconds."""
    days = 0
    value = text.strip()
    head, _, rest = value.partition(":")
    if "." in head:
        day_text, _, head = head.partition(".")
        days = int(day_text)
    hours = int(head)
    minutes_text, _, seconds_text = rest.partition(":")
    seconds = float(seconds_text or 0)
    return days * 86400 + hours * 3600 + int(minutes_text or 0) * 60 + seconds


def _validate_instance_id(instance_id: str) -> None:
    if (
        not instance_id
        or len(instance_id) > 256
        or instance_id.startswith("@")
        or any(c in instance_id for c in "/\\#?")
        or any(ord(c) < 32 or 127 <= ord(c) < 160 for c in instance_id)
    ):
        raise EngineError(400, f"Invalid instance id '{instance_id}'.")


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
