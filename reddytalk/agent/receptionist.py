"""The streaming respond step the call pipeline runs for every caller turn.

Order of work, and why: (1) the emergency detector, first and without any model, so a caller in
danger is told to call 911 and the call is flagged even when the brain is down; (2) the injection
check, so "ignore your instructions" never reaches a model; (3) the medical-advice check, so no
brain ever doses or diagnoses (the caller is offered a nurse call-back or a visit); (4) the brain, whose tool calls go
through ``ToolBox`` (validation, identity rules, idempotency, audit). If the brain fails the caller
hears an apology and is transferred, never silence.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

from reddytalk.agent.brains.base import Brain, BrainContext
from reddytalk.agent.events import TextDelta, ToolUsed, TurnResult, UsageReport
from reddytalk.agent.guardrails import (
    ADVICE_OFFERED,
    ADVICE_REPLY,
    INJECTION_REPLY,
    detect_emergency,
    detect_injection,
    emergency_reply,
    is_advice_request,
)
from reddytalk.agent.messaging import OFFER_MESSAGE, start_message
from reddytalk.agent.state import ConversationState, Turn, Usage
from reddytalk.agent.tools import ToolBox
from reddytalk.errors import ReddyTalkError
from reddytalk.messages.service import Publish
from reddytalk.practice.repository import PracticeRepository
from reddytalk.stores.documents.base import DocumentStore

__all__ = ["Receptionist", "TextDelta", "ToolUsed", "TurnResult"]

log = logging.getLogger(__name__)

MAX_CALLER_CHARS = 2000
FALLBACK_REPLY = "I'm sorry, I'm having trouble on my end. Let me transfer you to our front desk."
NOT_HEARD = "Sorry, I didn't catch that. Could you say it again?"


class Receptionist:
    """Answers one practice's callers. ``now`` is injectable so tests and ``reddytalk chat`` fix the clock."""

    def __init__(
        self,
        *,
        documents: DocumentStore,
        brain: Brain,
        practice_id: str,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        publish: Publish | None = None,
    ) -> None:
        self.documents = documents
        self.publish = publish
        self.brain = brain
        self.practice_id = practice_id
        self.now = now
        self.repo = PracticeRepository(documents, practice_id)

    async def load(self) -> None:
        """Read the practice once, so ``greeting`` (synchronous by contract) can name it."""
        await self.repo.practice()

    def greeting(self, recording_disclosure: bool) -> str:
        """The first thing a caller hears: who answers (an automated assistant) and the recording notice."""
        practice = self.repo.loaded_practice
        name = practice.name if practice is not None else "our practice"
        text = f"Thanks for calling {name}. I'm the practice's automated assistant."
        if recording_disclosure:
            text += " This call may be recorded for quality and training."
        return text + " How can I help you today?"

    def offer_message(self, state: ConversationState, reason: str) -> TurnResult:
        """Offer to take a message when no one picked up a hand-off (no caller utterance this turn).

        The returned state is in message-taking mode: the brain's following turns collect the
        caller's name, number and message, save it with ``take_message``, confirm and end the call.
        """
        work = state.model_copy(deep=True)
        work.flags.transfer = False
        start_message(work, "handoff_unanswered", context=reason)
        reply = OFFER_MESSAGE
        work.note("no staff free; taking a message")
        work.turns.append(Turn(role="agent", text=reply))
        return TurnResult(reply=reply, state=work, flags=work.flags.model_copy(), usage=Usage())

    async def respond(
        self, state: ConversationState, caller_text: str, *, turn_key: str
    ) -> AsyncIterator[TextDelta | ToolUsed | TurnResult]:
        """Stream the reply to ``caller_text``; ``turn_key`` ("<session>:<turn>") keys idempotent writes."""
        work = state.model_copy(deep=True)
        text = " ".join(caller_text.split())[:MAX_CALLER_CHARS]
        session = re.sub(r"[^A-Za-z0-9_.:@-]", "-", turn_key.rsplit(":", 1)[0])[:120] or "unknown"
        tools = ToolBox(
            self.documents,
            self.practice_id,
            state=work,
            now=self._local_now,
            actor_id=f"agent:{session}",
            turn_key=turn_key,
            publish=self.publish,
        )
        used: list[ToolUsed] = []
        queue: list[ToolUsed] = []
        reply: list[str] = []
        usage = Usage()

        async def run_tool(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
            result = await tools.call(name, arguments)
            fact = _fact(name, result)
            if fact:
                work.note(fact)
            event = ToolUsed(name=name, arguments=dict(arguments), result=result)
            used.append(event)
            queue.append(event)
            return result

        def drain() -> list[ToolUsed]:
            out = list(queue)
            queue.clear()
            return out

        hit = detect_emergency(text)
        if hit is not None:
            log.warning("emergency detected", extra={"reason_code": hit.category, "session_id": session})
            work.flags.emergency = True
            await run_tool("transfer_to_staff", {"reason": f"emergency: {hit.category}"})
            reply.append(emergency_reply(hit))
        elif not text:
            reply.append(NOT_HEARD)
        elif detect_injection(text):
            log.info("instruction-override attempt refused", extra={"session_id": session})
            reply.append(INJECTION_REPLY)
        elif work.task != "message" and is_advice_request(text):
            # While a message is being taken the question IS the message: it goes to the clinical
            # staff unanswered, so the brain's message flow keeps it.
            log.info("medical advice request declined", extra={"session_id": session})
            work.awaiting = ADVICE_OFFERED
            reply.append(ADVICE_REPLY)
        else:
            ctx = await self._context(work, text, run_tool)
            try:
                async for event in self.brain.respond(ctx):
                    for tool_event in drain():
                        yield tool_event
                    if isinstance(event, UsageReport):
                        usage.prompt_tokens += event.prompt_tokens
                        usage.completion_tokens += event.completion_tokens
                    elif event.text:
                        reply.append(event.text)
                        yield event
            except Exception as exc:  # a caller must never be left in silence, whatever failed
                code = exc.code if isinstance(exc, ReddyTalkError) else type(exc).__name__
                log.warning("brain failed; transferring", extra={"code": code, "session_id": session})
                await run_tool("transfer_to_staff", {"reason": "assistant unavailable"})
                fallback = FALLBACK_REPLY if not reply else " " + FALLBACK_REPLY
                reply.append(fallback)
                yield TextDelta(fallback)
            ctx.state.flags.identity_verified = work.identity == "verified"
            for tool_event in drain():
                yield tool_event
            full = _joined(reply)
            work.remember(text, full)
            yield TurnResult(
                reply=full, state=work, flags=work.flags.model_copy(), usage=usage, tool_calls=used
            )
            return
        for tool_event in drain():
            yield tool_event
        full = _joined(reply)
        yield TextDelta(full)
        work.remember(text, full)
        yield TurnResult(reply=full, state=work, flags=work.flags.model_copy(), usage=usage, tool_calls=used)

    async def _context(self, state: ConversationState, text: str, run_tool: Any) -> BrainContext:
        practice = await self.repo.practice()
        return BrainContext(
            state=state,
            caller_text=text,
            practice=practice,
            providers=await self.repo.providers(),
            appointment_types=await self.repo.appointment_types(),
            now=self._local_now(),
            run_tool=run_tool,
        )

    def _local_now(self) -> datetime:
        moment = self.now()
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        practice = self.repo.loaded_practice
        zone = practice.zone if practice else None
        return moment.astimezone(zone) if zone else moment


def _fact(name: str, result: dict[str, Any]) -> str | None:
    """One line for the running summary from a tool outcome (only what later turns need)."""
    if not result.get("ok"):
        return None
    if name == "identify_patient":
        return "caller verified" if result.get("verified") else "caller not verified"
    for key, verb in (("booked", "booked"), ("rescheduled", "moved"), ("cancelled", "cancelled")):
        done = result.get(key)
        if isinstance(done, dict):
            return f"{verb} {done.get('appointment_type_name', '').lower()} on {done.get('when')} with {done.get('provider')}"
    if name == "transfer_to_staff":
        return "transfer requested"
    if name == "take_message":
        return "message taken for staff"
    if name == "end_call":
        return "call ended"
    return None


def _joined(parts: list[str]) -> str:
    """The deltas as one reply: fragments concatenate as streamed, whitespace normalised."""
    return " ".join("".join(parts).split())
