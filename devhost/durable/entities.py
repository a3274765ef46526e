"""Entity batches: the context JSON the SDK's entity ``handle()`` reads, and the responses to callers."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from devhost.durable.events import EventType, event, utcnow
from devhost.durable.replay import sdk_warnings_logged
from devhost.durable.store import MessageRow

log = logging.getLogger("devhost.durable")
#: The error text comes from user code and may quote its input; keep the log line short.
MAX_ERROR_CHARS = 300


def entity_id(name: str, key: str) -> str:
    """The scheduler id ``@<name lower>@<key>`` (entity names are case-insensitive, keys are not)."""
    return f"@{name.lower()}@{key}"


def split_entity_id(value: str) -> tuple[str, str]:
    _, name, key = value.split("@", 2)
    return name, key


@dataclass
class BatchOutcome:
    exists: bool
    state: str | None
    results: list[dict[str, Any]]


def run_batch(
    handle: Callable[[str], Any] | None, target: str, exists: bool, state: str | None, batch: list[MessageRow]
) -> BatchOutcome:
    """Run the operations in order through the SDK; a missing function or a host error fails each one."""
    name, key = split_entity_id(target)
    if handle is None:
        return _all_failed(exists, state, batch, f"The entity function '{name}' doesn't exist.")
    context = {
        "self": {"name": name, "key": key},
        "exists": exists,
        "state": state,
        "batch": [
            {
                # the RequestMessage input: JSON text of the value (a string from orchestrators / the client)
                "name": m.payload["op"],
                "input": None if m.payload.get("input") is None else json.dumps(m.payload["input"]),
                "isSignal": bool(m.payload.get("isSignal")),
            }
            for m in batch
        ],
    }
    try:
        with sdk_warnings_logged():
            out = json.loads(handle(json.dumps(context)))
        return BatchOutcome(bool(out["entityExists"]), out.get("entityState"), list(out["results"]))
    except Exception as exc:
        return _all_failed(exists, state, batch, f"{type(exc).__name__}: {exc}")


def response_event(request: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """EventRaised named by the request id; ``exceptionType`` only on errors (the SDK checks its presence)."""
    response: dict[str, Any] = {"result": result.get("result")}
    if result.get("isError"):
        response["exceptionType"] = "Exception"
    return event(EventType.EventRaised, utcnow(), Name=request["id"], Input=json.dumps(response))


def _all_failed(exists: bool, state: str | None, batch: list[MessageRow], message: str) -> BatchOutcome:
    return BatchOutcome(exists, state, [{"isError": True, "result": json.dumps(message)} for _ in batch])


def log_signal_failure(target: str, operation: str | None, error_json: str | None) -> None:
    """A signalled operation that failed has no caller to receive the error: the log is its only trace
    (the extension logs every failed entity operation as a function failure)."""
    name, key = split_entity_id(target)
    try:
        error = json.loads(error_json) if error_json else "unknown error"
    except ValueError:
        error = error_json
    text = str(error)
    if len(text) > MAX_ERROR_CHARS:
        text = text[:MAX_ERROR_CHARS] + "..."
    log.warning(
        "entity operation failed: %s(%s).%s (signalled, no caller to report to): %s",
        name,
        key,
        operation,
        text,
    )
