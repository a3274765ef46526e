"""The local brain's dialog policy: what to ask, which tool to run, and what to say.

Each turn: extract entities, classify the intent, merge both into the slots kept in the
conversation state, then take the next step of the current task (identify → choose → confirm →
act). Everything spoken about appointments — days, times, providers — is copied from tool results.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

from reddytalk.agent.brains.base import BrainContext, BrainEvent
from reddytalk.agent.brains.local import classifier
from reddytalk.agent.brains.local.booking import BookingSteps
from reddytalk.agent.brains.local.cues import (
    ADVICE,
    FAQ_TOPICS,
    FAQ_WORDS,
    HELP,
    MESSAGE_TASKS,
    NEW_PATIENT_ASKS,
    NO_ADVICE,
    RETURNING_CALL,
    STAFF_MATTERS,
    TASK_CONFIDENCE,
    WHO_ARE_YOU,
    asks_faq,
    introduced_first,
    other_topic,
    switch_patient,
)
from reddytalk.agent.brains.local.extract import Entities, extract, family_member, task_words
from reddytalk.agent.brains.local.identity import IdentitySteps
from reddytalk.agent.brains.local.messages import MessageSteps
from reddytalk.agent.brains.local.newpatient import NewPatientSteps
from reddytalk.agent.brains.local.targets import TargetSteps
from reddytalk.agent.brains.local.turn import ANYTHING_ELSE, TurnBase
from reddytalk.agent.events import TextDelta
from reddytalk.agent.messaging import start_message

TASKS = {"book", "reschedule", "cancel", "appointments", "new_patient"}


class LocalBrain:
    """Deterministic brain; every reply is built from templates and tool results."""

    name = "local"

    def __init__(self, intents_path: Any = None) -> None:
        self._path = intents_path or classifier.DATA
        self.classifier = classifier.load(self._path)
        self.common_words = classifier.vocabulary(self._path)

    async def respond(self, ctx: BrainContext) -> AsyncIterator[BrainEvent]:
        turn = _Turn(self, ctx)
        for index, sentence in enumerate(await turn.run()):
            yield TextDelta(sentence if index == 0 else " " + sentence)


class _Turn(MessageSteps, NewPatientSteps, IdentitySteps, TargetSteps, BookingSteps, TurnBase):
    """One caller turn: route the utterance to the step of the current task."""

    def __init__(self, brain: LocalBrain, ctx: BrainContext) -> None:
        super().__init__(ctx, brain.common_words)
        self.brain = brain

    async def run(self) -> list[str]:
        state, ctx = self.state, self.ctx
        ents = extract(
            ctx.caller_text,
            ctx.now,
            providers=ctx.providers,
            types=ctx.appointment_types,
            expecting_name=state.awaiting
            in {"identity", "name", "message_contact", "message_name", "new_identity"},
            common_words=self.brain.common_words,
        )
        if state.task == "message":
            self.ents = ents
            state.awaiting = None
            await self.message_step()
            return self.out
        intent, confidence = self.brain.classifier.predict(ctx.caller_text)
        named = task_words(ctx.caller_text)
        if WHO_ARE_YOU.search(self.text) and not state.task:
            self.ask(
                f"I'm {ctx.practice.name}'s automated assistant. I can book, move or cancel appointments, take a "
                "message, or answer questions about the practice. Would you like me to transfer you to a person?",
                "transfer_offer",
            )
            return self.out
        if RETURNING_CALL.search(self.text) and not state.task:
            await self.tool("transfer_to_staff", reason="returning a call from the practice")
            self.say("Of course. I'm transferring you to our front desk now. Please hold.")
            return self.out
        if self.awaiting == "transfer_offer" and ents.yes and not ents.has_when and named is None:
            await self.tool("transfer_to_staff", reason="caller asked for staff")
            self.say("Of course. I'm transferring you to our front desk now. Please hold.")
            return self.out
        took_offer = re.search(r"\b(?:message|nurse|call me|call back|callback)\b", self.text) or (
            ents.yes
            and not (
                named or ents.has_when or ents.type_id or re.search(r"\b(?:visit|appointment)\b", self.text)
            )
        )
        if self.awaiting == "advice_options" and took_offer:
            self.ents = ents  # the caller took the offer after a clinical question: the nurse calls back
            asked = next((t.text for t in reversed(state.turns) if t.role == "caller"), "")
            start_message(state, "callback", reason=f"question for the nurse: {asked}".strip())
            await self.message_step()
            return self.out
        if named in MESSAGE_TASKS and not (ents.abandon or ents.done):
            self.ents = ents
            if ADVICE.search(self.text):
                self.say(
                    "I'm not able to give medical advice, but I can pass your question to our clinical staff."
                )
            start_message(state, MESSAGE_TASKS[named], reason=ctx.caller_text)
            await self.message_step()
            return self.out
        if (
            state.task == "new_patient"
            and self.awaiting in NEW_PATIENT_ASKS
            and not (ents.abandon or ents.done)
        ):
            self.merge(ents)  # an answer to a registration question (a day said early is kept too)
            state.awaiting = None
            await self.advance(ents)
            return self.out
        if named is None and state.task is None and ADVICE.search(self.text):
            self.ask(NO_ADVICE, "advice_options")
            return self.out
        if named is None and intent not in FAQ_TOPICS and not state.task:
            intent = next((topic for pattern, topic in FAQ_WORDS if pattern.search(self.text)), intent)
        if named and named != state.task:
            intent, confidence = named, 1.0
        elif ents.dob or (ents.name and state.awaiting in {"identity", "name"}):
            intent = "inform" if intent not in TASKS or confidence < 0.6 else intent
        if ents.abandon or ents.done:
            state.awaiting = None
            left = "Alright, I'll leave everything as it is. " if state.task or state.pending else ""
            if state.task or state.pending:
                self.reset_task()
            if ents.done or intent == "goodbye":
                await self.tool("end_call")
                self.say(f"{left}Thank you for calling {ctx.practice.name}. Goodbye!")
            else:
                self.say(f"{left or 'No problem. '}{ANYTHING_ELSE}")
            return self.out
        if (
            self.awaiting == "after_message"
            and named is None
            and not (ents.yes or ents.no or ents.has_when)
            and intent not in {"goodbye", "thanks", "greeting", "transfer"}
            and intent not in FAQ_TOPICS
            and len(self.text.split()) >= 2
        ):
            await self.tool("add_to_message", text=ctx.caller_text)  # "…and it's the CVS on Main"
            self.ask("Thanks, I've added that to your message. " + ANYTHING_ELSE, "after_message")
            return self.out
        self.merge(ents)
        awaiting, state.awaiting = state.awaiting, None

        if intent in TASKS and confidence >= TASK_CONFIDENCE and intent != state.task:
            self.start_task(intent)
        elif (intent in FAQ_TOPICS or intent == "faq_other") and not (
            state.task
            and (ents.has_when or ents.choice is not None or (ents.yes and state.pending))
            and not asks_faq(self.text)
        ):
            answered = await self.answer_faq(intent)
            if state.task and awaiting:
                await self.advance(ents)
            elif not state.task and answered:
                self.say("Is there anything else I can help with?")
            return self.out
        elif (intent == "transfer" and confidence >= 0.4) or (
            STAFF_MATTERS.search(ctx.caller_text.lower()) and not state.task
        ):
            await self.tool("transfer_to_staff", reason="caller asked for staff")
            self.say("Of course. I'm transferring you to our front desk now. Please hold.")
            return self.out
        elif intent == "medical" and confidence >= 0.4 and not ents.has_when:
            self.ask(NO_ADVICE, "advice_options")
            return self.out
        elif intent == "goodbye" and confidence >= 0.4 and not state.pending:
            await self.tool("end_call")
            self.say(f"Thank you for calling {ctx.practice.name}. Goodbye!")
            return self.out
        elif intent == "greeting" and not state.task:
            self.say("Hello! " + HELP)
            return self.out
        elif intent == "thanks" and not state.task and not state.pending:
            self.say("You're welcome! " + ANYTHING_ELSE)
            return self.out
        if state.task is None and not state.pending:
            if intent == "deny" and not ents.has_when:
                await self.tool("end_call")
                self.say(f"Thank you for calling {ctx.practice.name}. Goodbye!")
                return self.out
            if intent == "affirm" and not ents.has_when:
                self.say("Sure, what can I help you with?")
                return self.out
        if state.task is None:
            if ents.has_when or ents.type_id or ents.provider_id:
                self.start_task("book")
            elif state.identity != "verified" and (ents.name or ents.dob):
                await self.identify()
                if state.identity == "verified":
                    self.say("How can I help you today?")
                return self.out
            else:
                self.say("I'm sorry, I didn't quite catch that. " + HELP)
                return self.out
        await self.advance(ents)
        return self.out

    def start_task(self, task: str) -> None:
        """Switch to ``task``; what was offered or awaiting a yes belongs to the old one."""
        state = self.state
        state.task = task
        state.pending = None
        state.offered = []
        state.slots.pop("target", None)
        relation = family_member(self.ctx.caller_text)
        if (
            relation
            and state.identity == "verified"
            and not state.for_family_member
            and task not in {"new_patient", ""}
        ):
            switch_patient(state)  # "…and one for my son": he is verified by his own details first
        if relation and state.identity != "verified" and task not in {"new_patient", ""}:
            state.slots["for"] = relation  # verified by the family member's (the patient's) identity
            if introduced_first(self.text, relation, state.slots.get("name")):
                state.slots.pop("name", None)  # "this is Maria, for my son": the caller's own name
                state.slots.pop("dob", None)

    def reset_task(self) -> None:
        self.start_task("")
        self.state.task = None
        self.state.slots.pop("new", None)

    def merge(self, ents: Entities) -> None:
        """Fold this utterance's entities into the slots; a new day or time replaces the old one."""
        slots = self.state.slots
        if ents.extra.get("same_day") and not ents.day:
            if slots.get("target"):
                ents.day = date.fromisoformat(slots["target"]["start"][:10])
            else:
                slots["same_day"] = True  # resolved once the appointment is known
                if re.search(r"\blater\b", self.text):
                    slots["later"] = True
        weekday = ents.extra.get("weekday")
        if weekday is not None and slots.get("day") and slots.get("day_end"):
            first, last = date.fromisoformat(slots["day"]), date.fromisoformat(slots["day_end"])
            inside = [first + timedelta(days=i) for i in range((last - first).days + 1)]
            ents.day = next((d for d in inside if d.weekday() == weekday), ents.day)
        if ents.extra.get("from_day"):
            slots["from_day"] = ents.extra["from_day"]
        if ents.name:
            slots["name"] = ents.name
        if ents.dob:
            slots["dob"] = ents.dob.isoformat()
        if ents.has_when:
            new_day = ents.day is not None or ents.soonest
            if new_day:
                for key in ("day", "day_end", "soonest"):
                    slots.pop(key, None)
                if not ents.time_of_day and not ents.daypart and not ents.after_time and not ents.before_time:
                    for key in ("time", "daypart", "after", "before"):
                        slots.pop(key, None)
            else:
                for key in ("time", "daypart", "after", "before"):
                    slots.pop(key, None)
            if ents.day:
                slots["day"] = ents.day.isoformat()
            if ents.day_end:
                slots["day_end"] = ents.day_end.isoformat()
            if ents.soonest:
                slots["soonest"] = True
            if ents.time_of_day:
                slots["time"] = ents.time_of_day.strftime("%H:%M")
            if ents.daypart:
                slots["daypart"] = ents.daypart
            if ents.after_time:
                slots["after"] = ents.after_time.strftime("%H:%M")
            if ents.before_time:
                slots["before"] = ents.before_time.strftime("%H:%M")
            self.state.offered = [] if ents.choice is None else self.state.offered
            if self.state.pending and self.state.pending.get("kind") != "cancel":
                self.state.pending = None
        if ents.provider_id:
            if slots.get("provider") != ents.provider_id:
                self.state.offered = (
                    [] if ents.choice is None and ents.time_of_day is None else self.state.offered
                )
            slots["provider"] = ents.provider_id
        if ents.type_id:
            slots["type"] = ents.type_id
        self.ents = ents

    async def advance(self, ents: Entities) -> None:
        state = self.state
        if state.task is None:
            return
        if state.task == "new_patient":
            if state.identity == "verified" or not await self.new_patient_step():
                if state.identity == "verified" and state.task == "new_patient":
                    state.task = "book"  # already known to us: carry on with the booking
                else:
                    return
            if not any(state.slots.get(k) for k in ("day", "soonest", "time", "daypart", "after", "before")):
                self.ask("What day would work for your first visit?", "when")
                return
        if state.identity != "verified":
            await self.identify()
            if state.identity != "verified":
                return
        if state.task == "appointments":
            self.list_appointments()
            return
        if state.pending:
            if ents.yes and not ents.correction:
                await self.execute(state.pending)
                return
            if ents.no and not ents.has_when and ents.choice is None:
                state.pending = None
                state.offered = []
                self.say("No problem. What day or time would work better for you?")
                state.awaiting = "when"
                return
        if state.task == "book":
            await self.book_step(ents)
        elif state.task == "reschedule":
            if await self.pick_target("move"):
                await self.book_step(ents)
        elif state.task == "cancel" and await self.pick_target("cancel"):
            target = state.slots["target"]
            state.pending = {"kind": "cancel", "appointment_id": target["appointment_id"], "summary": target}
            self.say(
                f"Just to confirm, you'd like to cancel your {target['appointment_type_name'].lower()} with "
                f"{target['provider']} on {target['when']}?"
            )
            state.awaiting = "confirm"

    async def answer_faq(self, intent: str) -> bool:
        """Answer a practice question from ``practice_info``; False when the practice has no answer."""
        topic = FAQ_TOPICS.get(intent) or other_topic(self.ctx.caller_text)
        if re.search(r"\bfax\b", self.text):
            topic = "fax"
        result = await self.tool("practice_info", topic=topic)
        answer = result.get("answer")
        if not answer:
            self.ask(
                "I don't have that information, but our front desk can help. Would you like me to transfer you?",
                "transfer_offer",
            )
            return False
        if topic == "hours":
            self.say(f"Our hours are: {answer}")
        elif topic == "phone":
            self.say(f"Our phone number is {answer}.")
        else:
            self.say(answer)
        return True
