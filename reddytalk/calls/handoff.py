"""The call orchestration's steps around a hand-off to a person (see ``orchestrators/call_session``).

* ``begin_handoff``: the transfer turn has spoken its hand-off line and sent the ``transfer`` alert;
  this marks the call as waiting for staff and says how long to wait (``HANDOFF_TIMEOUT_SECONDS``).
* ``staff_joined`` / ``staff_left``: the orchestration took the take-over / hand-back event; the
  session document and the dashboards (``call.taken_over`` / ``call.handed_back``) learn of it.
* ``listen_turn``: while the caller waits or talks to staff, their words are still transcribed
  (``turn.heard``) and recorded as turns; the receptionist says nothing.
* ``offer_message_turn``: nobody picked up in time; the receptionist offers to take a message.

All idempotent: a re-run after a crash finds the saved turn or writes the same state again.
"""

from __future__ import annotations

from collections.abc import Callable

from reddytalk.agent.state import ConversationState
from reddytalk.calls import messages
from reddytalk.calls.contracts import Call, TurnRecord, TurnRequest
from reddytalk.calls.records import CallRecords
from reddytalk.calls.takeover import Takeover, takeover_of
from reddytalk.calls.turns import apply_result, finish_turn, hear, receptionist, speaker_for
from reddytalk.errors import PreconditionFailed
from reddytalk.resilience import incidents
from reddytalk.services import Services
from reddytalk.voice.text import SentenceSplitter


async def begin_handoff(services: Services, call: Call) -> int:
    await CallRecords(services.documents).mark(call.practice_id, call.session_id, handoff="waiting")
    return services.settings.handoff_timeout_seconds


async def staff_joined(services: Services, call: Call, staff_id: str) -> None:
    await _set_takeover(
        services, call, lambda t: t.model_copy(update={"state": "active", "turn": call.next_turn - 1})
    )
    await CallRecords(services.documents).mark(call.practice_id, call.session_id, handoff="taken_over")
    await _announce(
        services, call, messages.CALL_TAKEN_OVER, {"session_id": call.session_id, "staff_id": staff_id}
    )


async def staff_left(services: Services, call: Call) -> None:
    await CallRecords(services.documents).mark(call.practice_id, call.session_id, handoff=None)
    await _announce(services, call, messages.CALL_HANDED_BACK, {"session_id": call.session_id})


async def _set_takeover(services: Services, call: Call, change: Callable[[Takeover], Takeover]) -> None:
    """Apply ``change`` to the take-over state if it is still the one this event belongs to."""
    records = CallRecords(services.documents)
    for _ in range(5):
        doc = await records.session(call.practice_id, call.session_id)
        current = takeover_of(doc)
        if current.count != call.takeovers or current.state != "requested":
            return  # already handed back (or applied by an earlier run)
        updated = change(current)
        fresh = {k: v for k, v in doc.items() if not k.startswith("_")}
        fresh["takeover"] = updated.model_dump()
        try:
            await services.documents.replace("sessions", fresh, etag=doc.get("_etag"))
            return
        except PreconditionFailed:
            continue


async def _announce(services: Services, call: Call, target: str, payload: dict[str, object]) -> None:
    await services.signalr.send_to_group(messages.session_group(call.session_id), target, payload)
    await services.signalr.send_to_group(messages.practice_group(call.practice_id), target, payload)


async def listen_turn(services: Services, request: TurnRequest) -> TurnRecord:
    """The caller's words while a person has (or is about to have) the call: heard, not answered."""
    call = request.call
    saved = await CallRecords(services.documents).saved_turn(call.session_id, request.turn)
    if saved is not None:
        return saved
    assert request.utterance is not None
    with incidents.collecting():
        text, stt_ms, speculative = await hear(services, call, request.utterance)
        await services.signalr.send_to_group(
            messages.session_group(call.session_id),
            messages.TURN_HEARD,
            messages.heard(call.session_id, request.turn, text),
        )
        record = TurnRecord(
            session_id=call.session_id,
            turn=request.turn,
            caller=text,
            conversation=request.conversation,
            speaker="staff",
        )
        record.timings.stt_ms, record.timings.stt_speculative = stt_ms, speculative
        return await finish_turn(services, call, record, None)


async def offer_message_turn(services: Services, request: TurnRequest) -> TurnRecord:
    """No one took the call in time: offer to take a message (the conversation enters message mode)."""
    call = request.call
    saved = await CallRecords(services.documents).saved_turn(call.session_id, request.turn)
    if saved is not None:
        return saved
    with incidents.collecting():
        agent = receptionist(services, call.practice_id)
        result = agent.offer_message(ConversationState.model_validate(request.conversation), request.reason)
        record = TurnRecord(session_id=call.session_id, turn=request.turn)
        apply_result(record, result)
        speaker = speaker_for(services, call, request.turn, call.next_utterance - 1)
        splitter = SentenceSplitter()
        for sentence in [*splitter.push(result.reply), *splitter.flush()]:
            await speaker.say(sentence)
        return await finish_turn(services, call, record, speaker)
