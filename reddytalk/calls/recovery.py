"""What the caller hears when a turn's step failed beyond its retries: never silence.

The call orchestration runs this instead of the failed turn. The first failure gets a short apology
and asks the caller to say it again (the conversation state stays where it was, so nothing the
caller said is lost but that one turn); a failure right after another hands the caller to a person
(``transfer``), because asking a third time would only frustrate them.
"""

from __future__ import annotations

from reddytalk.calls.contracts import TurnFailure, TurnRecord, TurnRequest
from reddytalk.calls.records import CallRecords
from reddytalk.calls.turns import finish_turn, speaker_for
from reddytalk.services import Services

APOLOGY = "I'm sorry, something went wrong on my end. Could you say that again?"
GREETING = "Thanks for calling. How can I help you today?"
GIVE_UP = "I'm sorry, I'm having trouble on my end. Let me get someone from the front desk for you."


def recovery_line(turn: int, give_up: bool) -> str:
    if give_up:
        return GIVE_UP
    return GREETING if turn == 0 else APOLOGY


async def recover_turn(services: Services, request: TurnRequest, code: str, *, give_up: bool) -> TurnRecord:
    """Say the recovery line for ``request.turn`` and save it as that turn's record (idempotent)."""
    call = request.call
    saved = await CallRecords(services.documents).saved_turn(call.session_id, request.turn)
    if saved is not None:
        return saved
    text = recovery_line(request.turn, give_up)
    record = TurnRecord(
        session_id=call.session_id,
        turn=request.turn,
        caller=request.caller_text or "",
        reply=text,
        conversation=request.conversation,
        failures=[TurnFailure(stage="turn", provider=call.turn_mode, code=code)],
        flags={"transfer": True} if give_up else {},
        handover=give_up,
    )
    stop_key = request.utterance.turn if request.utterance else call.next_utterance - 1
    speaker = speaker_for(services, call, request.turn, stop_key)
    await speaker.say(text)
    return await finish_turn(services, call, record, speaker)
