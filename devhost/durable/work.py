"""Activities and entities: run one activity with its bindings, run entity operation batches, signal and read entities."""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import time
from typing import Any
from uuid import uuid4

from devhost.durable.core import (
    EngineCore,
)
from devhost.durable.entities import (
    entity_id,
    log_signal_failure,
    response_event,
    run_batch,
    split_entity_id,
)
from devhost.durable.events import EventType, event, utcnow
from devhost.durable.store import ENTITY, ORCH, MessageRow
from devhost.functions import FunctionInfo
from devhost.invoke import WorkerCrashed

log = logging.getLogger("devhost.durable")


class ActivitiesAndEntities(EngineCore):
    """Runs activity work items and entity batches."""

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
        try:
            outcome = await self._sdk_call(run_batch, info, target, exists, state, batch)
        except WorkerCrashed:  # the batch had no effects: run it again, in order, before later operations
            log.warning("entity batch of %s lost with its worker process; running it again", name)
            self._entity_ops[target] = batch + self._entity_ops.get(target, [])
            if target not in self._entity_ready:
                self._entity_ready.append(target)
            self._entity_event.set()
            return
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
