"""The durable engine's state and plumbing, shared by its parts (``episodes``, ``control``, ``work``).

Design for speed while persisting every step:

* All state changes happen on the event loop thread, one SQLite transaction per step (an orchestrator episode,
  a batch of activity completions, an entity batch). Effects (work items, timers, wake-ups) are handed on only
  after the commit, so a crash at any point leaves a state the engine resumes from.
* Work travels through in-process queues and ``asyncio.Event`` wake-ups; nothing polls on the hot path.
  The timer loop sleeps until the next due timer.
* Completions that arrive together are delivered to the orchestrator in ONE episode: the SDK replays the whole
  history every episode, so fewer, larger episodes are what makes fan-out fast.
* The SDK's orchestrator and entity ``handle()`` run on one worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import json
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

from devhost.durable.events import EventType, event, utcnow
from devhost.durable.store import ACTIVITY, ENTITY, ORCH, DurableStore, InstanceRow, MessageRow
from devhost.durable.versioning import VersionPolicy
from devhost.functions import FunctionIndex, FunctionInfo
from devhost.invoke import Runner

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


class EngineCore:
    """State of one engine and the steps every part uses: transactions, posting, delivery, lookups."""

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
        self.invoker: Runner | None = (
            None  # set by the host: runs activities (and SDK calls) in its worker(s)
        )
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

    # steps: one transaction, effects after commit -------------------------------------------------

    @property
    def store(self) -> DurableStore:
        if self._store is None:
            raise RuntimeError("engine not started")
        return self._store

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

    # functions of the app -------------------------------------------------------------------------

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

    async def _in_sdk_thread(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._sdk_thread, fn, *args)

    async def _sdk_call(self, fn: Any, info: FunctionInfo | None, *args: Any) -> Any:
        """``fn(handle, *args)`` with the app's ``handle()``: on the SDK thread, or in a worker process
        when the host runs several (``WorkerCrashed`` if that worker dies meanwhile)."""
        if self.invoker is not None and info is not None:
            return await self.invoker.run_sdk(fn, info, *args, executor=self._sdk_thread)
        return await self._in_sdk_thread(fn, info.callable if info is not None else None, *args)

    # instances ------------------------------------------------------------------------------------

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

    def _require(self, instance_id: str) -> InstanceRow:
        live = self._active.get(instance_id)
        row = live.row if live is not None else self.store.load_instance(instance_id)
        if row is None:
            raise EngineError(404, f"No instance with ID '{instance_id}' was found.")
        return row


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
