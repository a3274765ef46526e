"""The call session: greet, then hear and answer turns until the call ends.

Deterministic by construction: time comes from the context, all I/O happens in activities, and the
loop continues as new every ``turns_per_episode`` turns so a long call's history (and so its
replay cost per turn) stays flat.
"""

from __future__ import annotations

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

STEP_RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=200, max_number_of_attempts=3)


@bp.orchestration_trigger(context_name="context")
def call_session(context: df.DurableOrchestrationContext) -> Any:
    call = Call.model_validate(context.get_input())
    entity = df.EntityId(ENTITY_NAME, call.session_id)

    if not call.greeted:
        # Greet when the caller's client is listening (its first audio chunk), or after a short wait.
        ready = context.wait_for_external_event(EVENT_CLIENT_READY)
        patience = context.create_timer(
            context.current_utc_datetime + timedelta(seconds=call.ready_timeout_seconds)
        )
        if (yield context.task_any([ready, patience])) is ready:
            patience.cancel()
        greeting = yield context.call_activity("greet_caller", call.model_dump())
        context.signal_entity(entity, "record_turn", greeting)
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
            reason = "hangup" if winner is hangup else "idle"
            return (yield from _finish(context, call, reason))

        request = TurnRequest(
            call=call,
            turn=call.next_turn,
            utterance=_event_payload(heard.result),
            conversation=conversation,
        )
        record = TurnRecord.model_validate((yield from _run_turn(context, request)))
        context.signal_entity(entity, "record_turn", record.model_dump())
        conversation = record.conversation
        call.next_turn += 1
        if record.ended:
            return (
                yield from _finish(
                    context, call, "emergency" if record.flags.get("emergency") else "agent_ended"
                )
            )

    call.episode += 1
    context.continue_as_new(call.model_dump())
    return None


def _event_payload(raw: Any) -> Utterance:
    """Events raised through the durable client arrive as JSON text (SDK issue #295), others parsed."""
    return Utterance.model_validate_json(raw) if isinstance(raw, str) else Utterance.model_validate(raw)


def _run_turn(context: df.DurableOrchestrationContext, request: TurnRequest) -> Any:
    """One turn in the configured mode; both modes return the same ``TurnRecord`` shape."""
    if request.call.turn_mode == "streaming":
        return (yield context.call_activity("streaming_turn", request.model_dump()))
    heard = Heard.model_validate(
        (yield context.call_activity_with_retry("transcribe_turn", STEP_RETRY, request.model_dump()))
    )
    request.caller_text, request.stt_ms, request.stt_speculative = heard.text, heard.stt_ms, heard.speculative
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
