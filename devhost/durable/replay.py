"""Pure helpers for one orchestrator episode: the context JSON in, the SDK's ``OrchestratorState`` out."""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("devhost.durable")
_seen_warnings: set[str] = set()

OUT_OF_PROC_MARKER = "$OutOfProcData$:"

#: Action types (``ActionType`` in the SDK, ``AsyncActionType`` in the extension).
CALL_ACTIVITY = 0
CALL_ACTIVITY_WITH_RETRY = 1
CALL_SUB_ORCHESTRATOR = 2
CALL_SUB_ORCHESTRATOR_WITH_RETRY = 3
CONTINUE_AS_NEW = 4
CREATE_TIMER = 5
WAIT_FOR_EXTERNAL_EVENT = 6
CALL_ENTITY = 7
CALL_HTTP = 8
SIGNAL_ENTITY = 9
SCHEDULED_SIGNAL_ENTITY = 10
WHEN_ANY = 11
WHEN_ALL = 12


@dataclass
class EpisodeOutcome:
    """What the SDK returned: its state dict (may be partial on failure) and the user error, if any."""

    state: dict[str, Any]
    error: str | None


def context_json(
    instance_id: str,
    parent_instance_id: str | None,
    input_token_json: str | None,
    played: list[str],
    current: list[dict[str, Any]],
) -> str:
    """The ``OrchestrationContextToString`` payload; ``played`` events are pre-serialized with IsPlayed=true."""
    fresh = [json.dumps({**e, "IsPlayed": False}) for e in current]
    history = ",".join([*played, *fresh])
    head = json.dumps(
        {
            "instanceId": instance_id,
            "isReplaying": False,
            "parentInstanceId": parent_instance_id,
            "upperSchemaVersion": 1,
            "upperSchemaVersionNew": 2,
            "defaultHttpAsyncRequestSleepTimeMillseconds": 30000,
        }
    )
    return f'{head[:-1]}, "input": {input_token_json or "null"}, "history": [{history}]}}'


def played_json(event: dict[str, Any]) -> str:
    return json.dumps({**event, "IsPlayed": True})


def invoke(handle: Callable[[str], Any], context: str) -> EpisodeOutcome:
    """Call the SDK's ``handle()``; split the ``$OutOfProcData$`` error path like the extension does."""
    try:
        with sdk_warnings_logged():
            raw = handle(context)
    except Exception as exc:
        message = str(exc)
        if OUT_OF_PROC_MARKER in message:
            head, _, data = message.partition(OUT_OF_PROC_MARKER)
            try:
                state = json.loads(data)
            except ValueError:
                state = {}
            error = state.get("error") or head.strip()
            return EpisodeOutcome(state=state, error=str(error))
        return EpisodeOutcome(state={}, error=f"{type(exc).__name__}: {exc}")
    state = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(state, dict):
        return EpisodeOutcome(state={}, error="orchestrator returned an invalid state")
    return EpisodeOutcome(state=state, error=None)


@contextmanager
def sdk_warnings_logged() -> Iterator[None]:
    """Log the SDK's warnings (e.g. "Potential duplicate Task completion") as the Python worker shows them.

    They must not turn into exceptions when the host runs under ``-W error`` (tests): on Azure they are
    only log lines, and an orchestration does not fail because of one.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for warning in caught:
        text = str(warning.message)
        if text in _seen_warnings:  # the SDK repeats them on every replay of the same history
            continue
        if len(_seen_warnings) > 1000:
            _seen_warnings.clear()
        _seen_warnings.add(text)
        log.warning("durable SDK warning: %s", text, extra={"code": warning.category.__name__})


def flatten(actions: Any) -> list[dict[str, Any]]:
    """All leaf actions in schedule order, compound actions walked depth-first (the shim's numbering order)."""
    return list(_walk(actions or []))


def _walk(items: list[Any]) -> Iterator[dict[str, Any]]:
    for item in items:
        if isinstance(item, list):
            yield from _walk(item)
        elif isinstance(item, dict):
            if item.get("actionType") in (WHEN_ANY, WHEN_ALL):
                yield from _walk(item.get("compoundActions") or [])
            else:
                yield item


def takes_sequence_number(action: dict[str, Any]) -> bool:
    return action.get("actionType") != WAIT_FOR_EXTERNAL_EVENT
