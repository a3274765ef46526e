"""The ``session`` entity: one per call, the small live state the dashboard and each turn need.

It holds the agent's conversation state, the last few turns, flags and running totals. Full turn
records live in the transcripts store; this stays small so every turn can read it cheaply.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from reddytalk.calls.contracts import ENTITY_NAME, TurnRecord

bp = df.Blueprint()

RECENT_TURNS = 6


def _initial() -> dict[str, Any]:
    return {
        "status": "active",
        "end_reason": None,
        "conversation": {},
        "recent": [],
        "flags": {},
        "totals": {
            "turns": 0,
            "audio_seconds": 0.0,
            "prompt_tokens": 0,
            "completion_tokens": 0,
            "tts_characters": 0,
            "first_audio_ms_sum": 0.0,
        },
    }


def apply(state: dict[str, Any], operation: str, value: Any) -> tuple[dict[str, Any], Any]:
    """Pure state transition (what the entity function does), returning (new state, result)."""
    if operation == "record_turn":
        record = TurnRecord.model_validate(value)
        if any(t["turn"] == record.turn for t in state["recent"]):
            return state, None  # a re-delivered signal: already recorded
        state["conversation"] = record.conversation or state["conversation"]
        state["recent"] = [*state["recent"], _summary(record)][-RECENT_TURNS:]
        state["flags"] = {**state["flags"], **{k: v for k, v in record.flags.items() if v}}
        totals = state["totals"]
        if record.turn > 0:
            totals["turns"] += 1
            totals["first_audio_ms_sum"] += record.timings.first_audio_ms
        totals["audio_seconds"] += record.usage.audio_seconds
        totals["prompt_tokens"] += record.usage.prompt_tokens
        totals["completion_tokens"] += record.usage.completion_tokens
        totals["tts_characters"] += record.usage.tts_characters
        return state, None
    if operation == "end":
        if state["status"] != "ended":
            state["status"] = "ended"
            state["end_reason"] = value
        return state, None
    if operation == "conversation":
        return state, state["conversation"]
    if operation == "get":
        return state, state
    raise ValueError(f"unknown session operation {operation!r}")


def _summary(record: TurnRecord) -> dict[str, Any]:
    return {
        "turn": record.turn,
        "caller": record.caller,
        "reply": record.reply,
        "tools": [call.name for call in record.tool_calls],
        "first_audio_ms": record.timings.first_audio_ms,
        "interrupted": record.interrupted,
    }


@bp.entity_trigger(context_name="context", entity_name=ENTITY_NAME)
def session(context: df.DurableEntityContext) -> None:
    state = context.get_state(_initial)
    new_state, result = apply(state, context.operation_name or "", context.get_input())
    context.set_state(new_state)
    context.set_result(result)
