"""The call session: greet, then hear and answer turns until the call ends.

Deterministic by construction: time comes from the context, all I/O happens in activities, and the
loop continues as new every ``turns_per_episode`` turns so a long call's history (and so its
replay cost per turn) stays flat.

Never silent, never unfiled: a turn whose step fails beyond its retries is replaced by the
``recover_turn`` activity (an apology and a re-prompt, or a hand-over after two failures in a row),
and whatever ends the call (hang-up, idle, the agent, an error nothing could recover) ``post_call``
runs: transcript, metrics, and the purge of the raw call audio.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import azure.durable_functions as df

from reddytalk.calls.contracts import (
    ENTITY_NAME,
    EVENT_CLIENT_READY,
    EVENT_HANGUP,
    Call,
    CallEnd,
    Heard,
    TurnRecord,
    TurnRequest,
    Utterance,
    utterance_event,
)

bp = df.Blueprint()
log = logging.getLogger(__name__)

STEP_RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=200, max_number_of_attempts=3)
# A streaming turn may have spoken part of its reply before failing; one quick retry only.
STREAM_RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=100, max_number_of_attempts=2)


@bp.orchestration_trigger(context_name="context")
def call_session(context: df.DurableOrchestrationContext) -> Any:
    call = Call.model_validate(context.get_input())
    try:
        reason = yield from _converse(context, call)
    except Exception as exc:  # nothing could recover the call: it still gets its post-call work
        if not context.is_replaying:
            log.error(
                "call ended by an unrecovered failure",
                extra={"session_id": call.session_id, "reason_code": type(exc).__name__},
            )
        reason = "error"
    if reason is None:  # continued as new
        return None
    return (yield from _finish(context, call, reason))


def _converse(context: df.DurableOrchestrationContext, call: Call) -> Any:
    """Run this episode's turns; returns why the call ended, or None after ``continue_as_new``."""
    entity = df.EntityId(ENTITY_NAME, call.session_id)
    if not call.greeted:
        # Greet when the caller's client is listening (its first audio chunk), or after a short wait.
        ready = context.wait_for_external_event(EVENT_CLIENT_READY)
        patience = context.create_timer(
            context.current_utc_datetime + timedelta(seconds=call.ready_timeout_seconds)
        )
        if (yield context.task_any([ready, patience])) is ready:
            patience.cancel()
        greeting = yield from _guarded(context, TurnRequest(call=call, turn=0), _greet(context, call))
        context.signal_entity(entity, "record_turn", greeting.model_dump())
        call.greeted = True

    conversation: dict[str, Any] = yield context.call_entity(entity, "conversation")
    hangup = context.wait_for_external_event(EVENT_HANGUP)
    for _ in range(call.turns_per_episode):
        idle = context.create_timer(
            context.current_utc_datetime + timedelta(seconds=call.idle_timeout_seconds)
        )
        heard = context.wait_for_external_event(utterance_event(call.next_turn))
        winner = yield context.task_any([heard, hangup, idle])
        if winner is not idle:
            idle.cancel()
        if winner is not heard:
            return "hangup" if winner is hangup else "idle"

        request = TurnRequest(
            call=call,
            turn=call.next_turn,
            utterance=_event_payload(heard.result),
            conversation=conversation,
        )
        record = yield from _guarded(context, request, _run_turn(context, request))
        context.signal_entity(entity, "record_turn", record.model_dump())
        conversation = record.conversation
        call.next_turn += 1
        if record.ended:
            return "emergency" if record.flags.get("emergency") else "agent_ended"

    call.episode += 1
    context.continue_as_new(call.model_dump())
    return None


def _greet(context: df.DurableOrchestrationContext, call: Call) -> Any:
    return (yield context.call_activity_with_retry("greet_caller", STEP_RETRY, call.model_dump()))


def _guarded(context: df.DurableOrchestrationContext, request: TurnRequest, step: Any) -> Any:
    """Run a turn's steps (a generator of tasks); if they fail, the recovery line instead."""
    call = request.call
    try:
        raw = yield from step
        record = TurnRecord.model_validate(raw)
        call.failed_turns = 0
        return record
    except Exception as exc:
        code = _code(exc)
    call.failed_turns += 1
    payload = {"request": request.model_dump(), "code": code, "give_up": call.failed_turns >= 2}
    raw = yield context.call_activity_with_retry("recover_turn", STEP_RETRY, payload)
    return TurnRecord.model_validate(raw)


def _code(exc: Exception) -> str:
    """A reason code for the turn record: the failed step's error type, never its message text."""
    text = str(exc)
    for marker in ("ProviderError", "TimeoutError", "NotFound", "ServiceUnavailable"):
        if marker in text:
            return marker
    return "step_failed"


def _event_payload(raw: Any) -> Utterance:
    """Events raised through the durable client arrive as JSON text (SDK issue #295), others parsed."""
    return Utterance.model_validate_json(raw) if isinstance(raw, str) else Utterance.model_validate(raw)


def _run_turn(context: df.DurableOrchestrationContext, request: TurnRequest) -> Any:
    """One turn in the configured mode; both modes return the same ``TurnRecord`` shape."""
    if request.call.turn_mode == "streaming":
        return (yield context.call_activity_with_retry("streaming_turn", STREAM_RETRY, request.model_dump()))
    heard = Heard.model_validate(
        (yield context.call_activity_with_retry("transcribe_turn", STEP_RETRY, request.model_dump()))
    )
    request.caller_text, request.stt_ms, request.stt_speculative = heard.text, heard.stt_ms, heard.speculative
    request.heard_failures = heard.failures
    reply = yield context.call_activity_with_retry("respond_turn", STEP_RETRY, request.model_dump())
    request.reply = TurnRecord.model_validate(reply)
    return (yield context.call_activity_with_retry("synthesize_turn", STEP_RETRY, request.model_dump()))


def _finish(context: df.DurableOrchestrationContext, call: Call, reason: str) -> Any:
    context.signal_entity(df.EntityId(ENTITY_NAME, call.session_id), "end", reason)
    end = CallEnd(call=call, reason=reason, turns=call.next_turn - 1)  # type: ignore[arg-type]
    summary = yield context.call_sub_orchestrator(
        "post_call", end.model_dump(), f"{call.session_id}:post-call"
    )
    return {"session_id": call.session_id, "reason": reason, "turns": end.turns, "post_call": summary}
