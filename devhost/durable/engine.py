"""The durable engine: runs orchestrations, activities, entities and timers of an unmodified ``DFApp``.

``DurableEngine`` joins the parts: state and plumbing (``core.py``), orchestrator episodes (``episodes.py``),
the management operations (``control.py``), activities and entities (``work.py``); here are its lifecycle and
the loops that drive the parts. The HTTP API is ``api.management_routes(engine)`` (the engine does not import
it). See ``core.py`` for the design.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from devhost.durable.binding import client_binding
from devhost.durable.control import InstanceControl
from devhost.durable.core import (
    BATCH_WINDOW_SECONDS,
    IDLE_GAP_SECONDS,
    EngineError,
    Live,
    timespan_seconds,
)
from devhost.durable.episodes import Episodes
from devhost.durable.events import EventType, event, utcnow
from devhost.durable.store import ORCH, DurableStore, InstanceRow, MessageRow
from devhost.durable.work import ActivitiesAndEntities

log = logging.getLogger("devhost.durable")

__all__ = ["DurableEngine", "EngineError", "timespan_seconds"]


class DurableEngine(Episodes, InstanceControl, ActivitiesAndEntities):
    """Durable Task runtime for one app; see ``core.py`` for the design."""

    # lifecycle ------------------------------------------------------------------------------------

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

    # loops ----------------------------------------------------------------------------------------

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
