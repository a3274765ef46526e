"""History as the Durable HTTP API shows it (``GET instances/{id}?showHistory=true``).

Follows the extension's ``DurableClient.GetDurableOrchestrationStatusAsync`` (azure-functions-durable-extension,
``src/WebJobs.Extensions.DurableTask/ContextImplementations/DurableClient.cs``), which the documented example
in *durable-functions-http-api* shows: ``EventType`` as a name; ``EventId``/``IsPlayed`` dropped; the
orchestrator bookends dropped; each ``TaskScheduled`` / ``SubOrchestrationInstanceCreated`` folded into its
completion as ``FunctionName``, ``ScheduledTime`` (and ``Input`` when inputs are shown); ``ExecutionStarted``
with ``FunctionName``; ``ExecutionCompleted`` with ``OrchestrationStatus`` as a name; ``Result`` parsed from its
JSON text (only with ``showHistoryOutput``).
"""

from __future__ import annotations

import json
from typing import Any

from devhost.durable.events import EventType

#: DTFx ``OrchestrationStatus`` numbers.
ORCHESTRATION_STATUS = {
    0: "Running",
    1: "Completed",
    2: "ContinuedAsNew",
    3: "Failed",
    4: "Canceled",
    5: "Terminated",
    6: "Pending",
    7: "Suspended",
}
_SCHEDULING = {
    EventType.TaskCompleted: EventType.TaskScheduled,
    EventType.TaskFailed: EventType.TaskScheduled,
    EventType.SubOrchestrationInstanceCompleted: EventType.SubOrchestrationInstanceCreated,
    EventType.SubOrchestrationInstanceFailed: EventType.SubOrchestrationInstanceCreated,
}
_WITH_RESULT = (EventType.TaskCompleted, EventType.SubOrchestrationInstanceCompleted)


def parse_to_token(value: Any) -> Any:
    """The extension's ``ParseToJToken``: JSON text parsed, other text kept as it is."""
    if value is None or not isinstance(value, str):
        return value
    text = value.strip()
    if not text:
        return ""
    try:
        return json.loads(text)
    except ValueError:
        return text


def public_history(events: list[dict[str, Any]], show_output: bool, show_input: bool) -> list[dict[str, Any]]:
    scheduled: dict[tuple[EventType, int], tuple[int, dict[str, Any]]] = {}
    folded: set[int] = set()
    shown: list[tuple[int, dict[str, Any]]] = []
    for index, raw in enumerate(events):
        kind = EventType(raw["EventType"])
        row = dict(raw)
        row["EventType"] = kind.name
        if kind in (EventType.TaskScheduled, EventType.SubOrchestrationInstanceCreated):
            scheduled[(kind, raw.get("EventId", -1))] = (index, raw)
            row.pop("Version", None)
        elif kind in _SCHEDULING:
            origin = scheduled.get((_SCHEDULING[kind], raw.get("TaskScheduledId", -2)))
            if origin is not None:
                origin_index, origin_event = origin
                row["ScheduledTime"] = origin_event.get("Timestamp")
                row["FunctionName"] = origin_event.get("Name")
                if show_input:
                    row["Input"] = origin_event.get("Input")
                folded.add(origin_index)
            row.pop("TaskScheduledId", None)
            _result(row, show_output and kind in _WITH_RESULT, kind in _WITH_RESULT)
        elif kind == EventType.ExecutionStarted:
            row["FunctionName"] = row.pop("Name", None)
            for key in ("OrchestrationInstance", "ParentInstance", "Version", "Tags"):
                row.pop(key, None)
        elif kind == EventType.ExecutionCompleted:
            status = row.get("OrchestrationStatus")
            row["OrchestrationStatus"] = (
                ORCHESTRATION_STATUS.get(status, status) if isinstance(status, int) else status
            )
            _result(row, show_output, True)
        elif kind == EventType.TimerFired:
            row.pop("TimerId", None)
        elif kind in (EventType.OrchestratorStarted, EventType.OrchestratorCompleted):
            continue
        if not show_input:
            row.pop("Input", None)
        row.pop("EventId", None)
        row.pop("IsPlayed", None)
        shown.append((index, row))
    return [row for index, row in shown if index not in folded]


def _result(row: dict[str, Any], show: bool, hideable: bool) -> None:
    if show:
        row["Result"] = parse_to_token(row.get("Result"))
    elif hideable:
        row.pop("Result", None)
