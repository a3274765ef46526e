"""Work done once a call has ended: transcript, summary, metrics, training candidate, announcement.

Each function is idempotent (deterministic ids, upserts), because post-call activities run at
least once.
"""

from __future__ import annotations

import json
import statistics
import time
from typing import Any

from reddytalk.calls import messages
from reddytalk.calls.contracts import CallEnd, TurnRecord, TurnUsage
from reddytalk.calls.cost import call_cost
from reddytalk.calls.records import CallRecords
from reddytalk.services import Services


def transcript_id(session_id: str) -> str:
    return f"{session_id}:transcript"


async def save_transcript(services: Services, end: CallEnd) -> str:
    """One transcript document per call: the ordered lines of both speakers."""
    turns = await CallRecords(services.documents).turns(end.call.session_id)
    lines: list[dict[str, Any]] = []
    for record in turns:
        if record.caller:
            lines.append({"turn": record.turn, "speaker": "caller", "text": record.caller})
        if record.reply:
            lines.append({"turn": record.turn, "speaker": "receptionist", "text": record.reply})
    doc_id = transcript_id(end.call.session_id)
    doc = {
        "id": doc_id,
        "session_id": end.call.session_id,
        "practice_id": end.call.practice_id,
        "kind": "transcript",
        "end_reason": end.reason,
        "lines": lines,
        "created_at": time.time(),
    }
    await services.documents.upsert("transcripts", doc)
    return doc_id


def summarize(turns: list[TurnRecord], reason: str) -> dict[str, Any]:
    """A structured summary staff can scan: what was done, what needs attention."""
    tools = [call for record in turns for call in record.tool_calls]
    flags = {k for record in turns for k, v in record.flags.items() if v}
    booked = [c.result for c in tools if c.name == "book_appointment" and _ok(c.result)]
    moved = [c.result for c in tools if c.name == "reschedule_appointment" and _ok(c.result)]
    cancelled = [c.result for c in tools if c.name == "cancel_appointment" and _ok(c.result)]
    return {
        "end_reason": reason,
        "caller_turns": sum(1 for r in turns if r.turn > 0),
        "identity_verified": "identity_verified" in flags,
        "emergency": "emergency" in flags,
        "transfer_requested": "transfer" in flags,
        "booked": len(booked),
        "rescheduled": len(moved),
        "cancelled": len(cancelled),
        "tools_used": sorted({c.name for c in tools}),
        "needs_follow_up": bool({"emergency", "transfer"} & flags),
    }


def _ok(result: Any) -> bool:
    return isinstance(result, dict) and bool(result.get("ok", True)) and "error" not in result


async def summarize_call(services: Services, end: CallEnd) -> dict[str, Any]:
    turns = await CallRecords(services.documents).turns(end.call.session_id)
    summary = summarize(turns, end.reason)
    await CallRecords(services.documents).mark(end.call.practice_id, end.call.session_id, summary=summary)
    return summary


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return round(statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1], 1)


async def record_call_metrics(services: Services, end: CallEnd) -> dict[str, Any]:
    turns = [r for r in await CallRecords(services.documents).turns(end.call.session_id) if r.turn > 0]
    usage = TurnUsage()
    for record in turns:
        usage.audio_seconds += record.usage.audio_seconds
        usage.prompt_tokens += record.usage.prompt_tokens
        usage.completion_tokens += record.usage.completion_tokens
        usage.tts_characters += record.usage.tts_characters
    first_audio = [r.timings.first_audio_ms for r in turns if r.timings.first_audio_ms]
    settings = services.settings
    metrics = {
        "turns": len(turns),
        "first_audio_ms_p50": _percentile(first_audio, 50),
        "first_audio_ms_p95": _percentile(first_audio, 95),
        "speculative_stt_share": round(sum(r.timings.stt_speculative for r in turns) / len(turns), 3)
        if turns
        else 0,
        "usage": usage.model_dump(),
        "cost_usd": call_cost(
            usage, stt=settings.stt_chain[0], llm=settings.llm_provider, tts=settings.tts_chain[0]
        ),
    }
    await CallRecords(services.documents).mark(end.call.practice_id, end.call.session_id, metrics=metrics)
    return metrics


async def queue_training_candidate(services: Services, end: CallEnd) -> bool:
    """Offer the call to the training pipeline (ids only; the job reads the transcript itself)."""
    body = {"job": "call_candidate", "session_id": end.call.session_id, "practice_id": end.call.practice_id}
    await services.queues.send(services.settings.training_queue, json.dumps(body))
    return True


async def announce_call_ended(services: Services, end: CallEnd, outcome: dict[str, Any]) -> None:
    call = end.call
    await CallRecords(services.documents).mark(
        call.practice_id, call.session_id, status="ended", ended_at=time.time(), end_reason=end.reason
    )
    payload = {
        "session_id": call.session_id,
        "reason": end.reason,
        "turns": end.turns,
        "transcript_id": outcome.get("save_transcript"),
        "recording": outcome.get("store_recording"),
    }
    await services.signalr.send_to_group(
        messages.session_group(call.session_id), messages.SESSION_ENDED, payload
    )
    await services.signalr.send_to_group(
        messages.practice_group(call.practice_id), messages.SESSION_ENDED, payload
    )
