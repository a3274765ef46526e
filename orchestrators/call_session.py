"""The call session: greet, then hear and answer turns until the call ends.

Deterministic by construction: time comes from the context, all I/O happens in activities, and the
loop continues as new every ``turns_per_episode`` turns so a long call's history (and so its
replay cost per turn) stays flat.

Never silent, never unfiled: a turn whose step fails beyond its retries is replaced by the
``recover_turn`` activity (an apology and a re-prompt, or a hand-over after two failures in a row),
and whatever ends the call (hang-up, idle, the agent, an error nothing could recover) ``post_call``
runs: transcript, metrics, and the purge of the raw call audio.

Human takeover: a turn that asks for staff (its hand-off line is spoken, the ``transfer`` alert
sent) puts the call in "waiting" mode, with a durable timer of ``HANDOFF_TIMEOUT_SECONDS``; a
``staff_takeover-<n>`` event (from any mode: staff may also take over a call nobody transferred)
puts it in "staff" mode, where the caller's words are only transcribed, until ``staff_handback-<n>``
or hang-up. When the timer wins, the receptionist offers to take a message. The mode lives in the
orchestration's input (carried by ``continue_as_new``), never in a process. Turn records are
numbered by the orchestration; caller utterances by their own events (``next_utterance``), because
a turn without an utterance (the message offer) takes a number too.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

import azure.durable_functions as df

from reddytalk.calls.contracts import (
    ENTITY_NAME,
    EVENT_CLIENT_READY,
    EVENT_HANGUP,
    EVENT_STAFF_HANDBACK,
    EVENT_STAFF_TAKEOVER,
    Call,
    CallEnd,
    Heard,
    TurnFailure,
    TurnRecord,
    TurnRequest,
    Utterance,
    staff_event,
    utterance_event,
)

bp = df.Blueprint()
log = logging.getLogger(__name__)

NO_PICKUP = "a transfer to staff that nobody picked up"
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
        heard = context.wait_for_external_event(utterance_event(call.next_utterance))
        if call.mode == "staff":
            # A person has the call: no idle timer (the caller may just be listening).
            staff = context.wait_for_external_event(staff_event(EVENT_STAFF_HANDBACK, call.takeovers))
            timer = None
        else:
            staff = context.wait_for_external_event(staff_event(EVENT_STAFF_TAKEOVER, call.takeovers + 1))
            until = (
                datetime.fromisoformat(call.handoff_until)
                if call.mode == "waiting" and call.handoff_until
                else context.current_utc_datetime + timedelta(seconds=call.idle_timeout_seconds)
            )
            timer = context.create_timer(until)
        winner = yield context.task_any([t for t in (heard, hangup, staff, timer) if t is not None])
        if timer is not None and winner is not timer:
            timer.cancel()
        if winner is hangup:
            return "hangup"
        if winner is staff:
            yield from _staff_changed(context, call, staff.result)
            continue
        if winner is timer:
            if call.mode == "agent":
                return "idle"
            # Nobody picked up: the receptionist offers to take a message instead.
            request = TurnRequest(call=call, turn=call.next_turn, conversation=conversation, reason=NO_PICKUP)
            step = _activity(context, "offer_message_turn", request)
            call.mode, call.handoff_until = "agent", None
        else:
            request = TurnRequest(
                call=call,
                turn=call.next_turn,
                utterance=_event_payload(heard.result),
                conversation=conversation,
            )
            call.next_utterance += 1
            # While staff is awaited or on the line, the caller's words are heard but not answered.
            step = (
                _run_turn(context, request)
                if call.mode == "agent"
                else _activity(context, "listen_turn", request)
            )
        record = yield from _guarded(context, request, step)
        context.signal_entity(entity, "record_turn", record.model_dump())
        conversation = record.conversation
        call.next_turn += 1
        if record.ended:
            return "emergency" if record.flags.get("emergency") else "agent_ended"
        if record.asks_for_staff and call.mode == "agent":
            # The turn spoke the hand-off line and sent the transfer alert; now wait for a person.
            seconds = yield context.call_activity_with_retry("begin_handoff", STEP_RETRY, call.model_dump())
            call.mode = "waiting"
            call.handoff_until = (context.current_utc_datetime + timedelta(seconds=int(seconds))).isoformat()

    call.episode += 1
    context.continue_as_new(call.model_dump())
    return None


def _staff_changed(context: df.DurableOrchestrationContext, call: Call, raw: Any) -> Any:
    """A staff member took the call (from any mode), or handed it back."""
    if call.mode == "staff":
        call.mode, call.staff_id = "agent", None
        yield context.call_activity_with_retry("staff_left", STEP_RETRY, call.model_dump())
        return
    payload = json.loads(raw) if isinstance(raw, str) else (raw or {})
    call.takeovers += 1
    call.mode, call.handoff_until, call.staff_id = "staff", None, str(payload.get("staff_id", ""))
    yield context.call_activity_with_retry(
        "staff_joined", STEP_RETRY, {"call": call.model_dump(), "staff_id": call.staff_id}
    )


def _activity(context: df.DurableOrchestrationContext, name: str, request: TurnRequest) -> Any:
    return (yield context.call_activity_with_retry(name, STEP_RETRY, request.model_dump()))


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
    if call.mode != "agent" or request.reason:
        # Listening while staff is awaited or on the line (or offering a message): never speak
        # over them; the turn is kept with its failure, and the call goes on.
        failure = TurnFailure(stage="turn", provider=call.turn_mode, code=code)
        return TurnRecord(
            session_id=call.session_id,
            turn=request.turn,
            conversation=request.conversation,
            failures=[failure],
        )
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
