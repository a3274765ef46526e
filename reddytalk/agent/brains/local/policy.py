"""The local brain's dialog policy: what to ask, which tool to run, and what to say.

Each turn: extract entities, classify the intent, merge both into the slots kept in the
conversation state, then take the next step of the current task (identify → choose → confirm →
act). Everything spoken about appointments — days, times, providers — is copied from tool results.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from typing import Any

from reddytalk.agent.brains.base import BrainContext, BrainEvent
from reddytalk.agent.brains.local import classifier
from reddytalk.agent.brains.local.extract import Entities, extract, task_words
from reddytalk.agent.events import TextDelta
from reddytalk.agent.state import ConversationState

TASKS = {"book", "reschedule", "cancel", "appointments"}
FAQ_TOPICS = {
    "faq_hours": "hours",
    "faq_address": "directions",
    "faq_parking": "parking",
    "faq_insurance": "insurance",
    "faq_fees": "fees",
    "faq_phone": "phone",
}
TASK_CONFIDENCE = 0.45
# Matters only staff handle: the caller is transferred rather than guessed at.
STAFF_MATTERS = re.compile(r"\b(?:results?|refills?|prescriptions?|billing|bill|referrals?|nurse line)\b")
OFFER_COUNT = 3
SEARCH_DAYS = 14
DAYPARTS = {
    "morning": (time(0, 0), time(12, 0)),
    "afternoon": (time(12, 0), time(17, 0)),
    "evening": (time(16, 0), time(23, 59)),
}

ASK_IDENTITY = "Sure. First, can I have your full name and date of birth?"
ASK_AGAIN = "I couldn't verify those details. Could you tell me your full name and date of birth again?"
ASK_DOB = "Thanks. And your date of birth?"
ASK_NAME = "Thanks. And your full name, please?"
CANT_VERIFY = (
    "I'm sorry, I still can't verify those details. Let me transfer you to our front desk so they can help."
)
HELP = "I can book, reschedule or cancel appointments, or answer questions about the practice. What would you like to do?"
ANYTHING_ELSE = "Is there anything else I can help you with?"
NO_ADVICE = (
    "I'm not able to give medical advice. I can book you an appointment with one of our providers, "
    "or transfer you to our staff. Which would you prefer?"
)


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


class _Turn:
    """One caller turn of the policy (holds the pieces of the reply while it is built)."""

    def __init__(self, brain: LocalBrain, ctx: BrainContext) -> None:
        self.brain = brain
        self.ctx = ctx
        self.state: ConversationState = ctx.state
        self.out: list[str] = []
        self.ents = Entities()

    def say(self, *sentences: str) -> None:
        self.out.extend(s for s in sentences if s)

    async def tool(self, tool_name: str, /, **arguments: Any) -> dict[str, Any]:
        return await self.ctx.run_tool(tool_name, arguments)

    # --- entry ------------------------------------------------------------------------------------
    async def run(self) -> list[str]:
        state, ctx = self.state, self.ctx
        ents = extract(
            ctx.caller_text,
            ctx.now,
            providers=ctx.providers,
            types=ctx.appointment_types,
            expecting_name=state.awaiting in {"identity", "name"},
            common_words=self.brain.common_words,
        )
        intent, confidence = self.brain.classifier.predict(ctx.caller_text)
        named = task_words(ctx.caller_text)
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
        self.merge(ents)
        awaiting, state.awaiting = state.awaiting, None

        if intent in TASKS and confidence >= TASK_CONFIDENCE and intent != state.task:
            self.start_task(intent)
        elif intent in FAQ_TOPICS or intent == "faq_other":
            await self.answer_faq(intent)
            if state.task and awaiting:
                await self.advance(ents)
            elif not state.task:
                self.say("Is there anything else I can help with?")
            return self.out
        elif (intent == "transfer" and confidence >= 0.4) or (
            STAFF_MATTERS.search(ctx.caller_text.lower()) and not state.task
        ):
            await self.tool("transfer_to_staff", reason="caller asked for staff")
            self.say("Of course. I'm transferring you to our front desk now. Please hold.")
            return self.out
        elif intent == "medical" and confidence >= 0.4 and not ents.has_when:
            self.say(NO_ADVICE)
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

    def reset_task(self) -> None:
        self.start_task("")
        self.state.task = None

    def merge(self, ents: Entities) -> None:
        """Fold this utterance's entities into the slots; a new day or time replaces the old one."""
        slots = self.state.slots
        if ents.extra.get("same_day") and slots.get("target") and not ents.day:
            ents.day = date.fromisoformat(slots["target"]["start"][:10])
        weekday = ents.extra.get("weekday")
        if weekday is not None and slots.get("day") and slots.get("day_end"):
            first, last = date.fromisoformat(slots["day"]), date.fromisoformat(slots["day_end"])
            inside = [first + timedelta(days=i) for i in range((last - first).days + 1)]
            ents.day = next((d for d in inside if d.weekday() == weekday), ents.day)
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

    # --- task steps -------------------------------------------------------------------------------
    async def advance(self, ents: Entities) -> None:
        state = self.state
        if state.task is None:
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

    async def identify(self) -> None:
        state, slots = self.state, self.state.slots
        if state.identity == "failed":
            await self.transfer_unverified()
            return
        name, dob = slots.get("name"), slots.get("dob")
        if not name and not dob:
            self.say(ASK_IDENTITY)
            state.awaiting = "identity"
            return
        if not dob:
            self.say(ASK_DOB)
            state.awaiting = "dob"
            return
        if not name:
            self.say(ASK_NAME)
            state.awaiting = "name"
            return
        result = await self.tool("identify_patient", name=name, date_of_birth=dob)
        slots.pop("name", None)
        slots.pop("dob", None)
        if result.get("verified"):
            self.say(f"Thank you, {result.get('first_name')}, you're verified.")
            return
        if state.identity == "failed" or result.get("attempts_left") == 0:
            await self.transfer_unverified()
            return
        self.say(ASK_AGAIN)
        state.awaiting = "identity"

    async def transfer_unverified(self) -> None:
        await self.tool("transfer_to_staff", reason="caller could not be verified")
        self.say(CANT_VERIFY)

    def list_appointments(self) -> None:
        upcoming = self.state.appointments
        self.state.task = None
        if not upcoming:
            self.say("I don't see any upcoming appointments for you. Would you like to book one?")
            return
        parts = [
            f"a {a['appointment_type_name'].lower()} with {a['provider']} on {a['when']}" for a in upcoming
        ]
        self.say("You have " + _join(parts) + ".", ANYTHING_ELSE)

    async def pick_target(self, verb: str) -> bool:
        """Choose which of the caller's appointments to act on; asks when it is ambiguous."""
        state, slots = self.state, self.state.slots
        if slots.get("target"):
            return True
        upcoming = state.appointments
        if not upcoming:
            state.task = None
            self.say("I don't see any upcoming appointments for you. Would you like to book a new one?")
            return False
        chosen = upcoming[0] if len(upcoming) == 1 else self._match_appointment(upcoming)
        if chosen is None:
            options = _join(
                [f"the {a['appointment_type_name'].lower()} on {a['when']}" for a in upcoming], "or"
            )
            self.say(f"You have more than one appointment. Which one would you like to {verb}: {options}?")
            state.awaiting = "target"
            return False
        slots["target"] = chosen
        if state.task == "reschedule":
            slots.setdefault("type", chosen["appointment_type"])
            slots.setdefault("provider", chosen["provider_id"])
            if chosen["start"][:10] == slots.get("day") and not slots.get("time"):
                slots.pop("day", None)  # the day they named was to pick the appointment, not the new day
            if not any(slots.get(k) for k in ("day", "soonest", "time", "daypart")):
                self.say(
                    f"I see your {chosen['appointment_type_name'].lower()} with {chosen['provider']} on "
                    f"{chosen['when']}. What day would you like to move it to?"
                )
                state.awaiting = "when"
                return False
        return True

    def _match_appointment(self, upcoming: list[dict[str, Any]]) -> dict[str, Any] | None:
        """The one appointment the caller singled out: by choice, type, provider, then day."""
        ents, slots = self.ents, self.state.slots
        if ents.choice is not None and -len(upcoming) <= ents.choice < len(upcoming):
            return upcoming[ents.choice]
        tests = (
            ("type", lambda a: a["appointment_type"] == slots.get("type")),
            ("provider", lambda a: a["provider_id"] == slots.get("provider")),
            ("day", lambda a: a["start"][:10] == slots.get("day")),
        )
        for key, test in tests:
            if slots.get(key):
                matches = [a for a in upcoming if test(a)]
                if len(matches) == 1:
                    return matches[0]
        return None

    async def book_step(self, ents: Entities) -> None:
        state, slots = self.state, self.state.slots
        if state.offered and not ents.correction:
            chosen = self._choose_offer(ents)
            if chosen is not None:
                self.confirm(chosen)
                return
        if not slots.get("type"):
            names = _join([t.name.lower() for t in self.ctx.appointment_types[:4]], "or")
            self.say(f"What kind of visit do you need? For example, {names}.")
            state.awaiting = "type"
            return
        if not any(slots.get(k) for k in ("day", "soonest", "time", "daypart", "after", "before")):
            self.say("What day would work best for you?")
            state.awaiting = "when"
            return
        await self.search_and_offer()

    def _choose_offer(self, ents: Entities) -> dict[str, Any] | None:
        offered = self.state.offered
        if ents.choice is not None and -len(offered) <= ents.choice < len(offered):
            return offered[ents.choice]
        if ents.time_of_day:
            wanted = ents.time_of_day.strftime("%H:%M")
            hits = [
                o
                for o in offered
                if o["start"][11:16] == wanted and (not ents.day or o["start"][:10] == ents.day.isoformat())
            ]
            if hits:
                return hits[0]
        if ents.provider_id:
            hits = [o for o in offered if o["provider_id"] == ents.provider_id]
            if len(hits) == 1:
                return hits[0]
        if ents.yes and not ents.has_when:
            return offered[0]
        return None

    async def search_and_offer(self) -> None:
        state, slots = self.state, self.state.slots
        after, before = self._window()
        args: dict[str, Any] = {
            "after": after.isoformat(),
            "before": before.isoformat(),
            "appointment_type": slots["type"],
            "limit": 50,
        }
        if slots.get("provider"):
            args["provider"] = slots["provider"]
        result = await self.tool("find_slots", **args)
        slots_found = [s for s in result.get("slots", []) if self._fits_time_filters(s)]
        exact = self._exact(slots_found)
        if exact is not None:
            self.confirm(exact)
            return
        note = ""
        if not slots_found:
            wider = await self.tool(
                "find_slots",
                **{
                    **args,
                    "after": max(after, self.ctx.now).isoformat(),
                    "before": (after + timedelta(days=SEARCH_DAYS)).isoformat(),
                },
            )
            slots_found = wider.get("slots", [])
            note = "I don't have anything open then. "
            if not slots_found:
                state.offered = []
                self.say(
                    "I'm sorry, I don't see any openings in the next two weeks. Would you like me to transfer you to our front desk?"
                )
                return
        elif slots.get("time"):
            note = "That exact time isn't available. "
        offers = _distinct(slots_found, OFFER_COUNT)
        state.offered = offers
        if len(offers) == 1:
            self.say(
                f"{note}The closest opening is {offers[0]['when']} with {offers[0]['provider']}. Would that work?"
            )
        else:
            one_provider = len({o["provider_id"] for o in offers}) == 1
            one_day = len({o["day"] for o in offers}) == 1
            if one_day:
                label = [o["time"] if one_provider else f"{o['time']} with {o['provider']}" for o in offers]
                lead = f"On {offers[0]['day']} I have "
            else:
                label = [o["when"] if one_provider else f"{o['when']} with {o['provider']}" for o in offers]
                lead = "I have "
            tail = f" with {offers[0]['provider']}" if one_provider else ""
            self.say(f"{note}{lead}{_join(label, 'or')}{tail}. Which works best?")
        state.awaiting = "choice"

    def _window(self) -> tuple[datetime, datetime]:
        slots, now = self.state.slots, self.ctx.now
        zone = now.tzinfo
        if slots.get("day"):
            first = date.fromisoformat(slots["day"])
            last = date.fromisoformat(slots["day_end"]) if slots.get("day_end") else first
        else:
            first, last = now.date(), now.date() + timedelta(days=SEARCH_DAYS)
        start_t, end_t = time(0, 0), time(23, 59)
        if slots.get("daypart"):
            start_t, end_t = DAYPARTS[slots["daypart"]]
        if slots.get("time") and slots.get("day"):  # around the asked time, so near alternatives come first
            wanted = datetime.combine(first, time.fromisoformat(slots["time"]), zone)
            start_t = (wanted - timedelta(hours=1)).time() if wanted.hour >= 1 else time(0, 0)
        after = datetime.combine(first, start_t, zone)
        before = datetime.combine(last, end_t, zone)
        return max(after, now), before

    def _fits_time_filters(self, slot: dict[str, Any]) -> bool:
        slots = self.state.slots
        clock = slot["start"][11:16]
        if slots.get("after") and clock < slots["after"]:
            return False
        if slots.get("before") and clock >= slots["before"]:
            return False
        if slots.get("daypart") and not slots.get("day"):
            lo, hi = DAYPARTS[slots["daypart"]]
            return lo.strftime("%H:%M") <= clock < hi.strftime("%H:%M")
        return True

    def _exact(self, found: list[dict[str, Any]]) -> dict[str, Any] | None:
        wanted = self.state.slots.get("time")
        if not wanted:
            return None
        hits = [s for s in found if s["start"][11:16] == wanted]
        return hits[0] if hits else None

    def confirm(self, slot: dict[str, Any]) -> None:
        state = self.state
        kind = next(t for t in self.ctx.appointment_types if t.id == slot["appointment_type"])
        if state.task == "reschedule":
            target = state.slots["target"]
            state.pending = {"kind": "reschedule", "appointment_id": target["appointment_id"], "slot": slot}
            self.say(
                f"To confirm, I'll move your {kind.name.lower()} to {slot['when']} with {slot['provider']}. Shall I go ahead?"
            )
        else:
            state.pending = {"kind": "book", "slot": slot}
            self.say(
                f"To confirm, a {kind.name.lower()} with {slot['provider']} on {slot['when']}. Shall I book it?"
            )
        state.awaiting = "confirm"

    async def execute(self, pending: dict[str, Any]) -> None:
        state = self.state
        kind = pending["kind"]
        if kind == "book":
            slot = pending["slot"]
            result = await self.tool(
                "book_appointment",
                provider=slot["provider_id"],
                appointment_type=slot["appointment_type"],
                start=slot["start"],
            )
            done = result.get("booked")
        elif kind == "reschedule":
            slot = pending["slot"]
            args = {"appointment_id": pending["appointment_id"], "start": slot["start"]}
            if slot["provider_id"] != state.slots.get("target", {}).get("provider_id"):
                args["provider"] = slot["provider_id"]
            result = await self.tool("reschedule_appointment", **args)
            done = result.get("rescheduled")
        else:
            result = await self.tool("cancel_appointment", appointment_id=pending["appointment_id"])
            done = result.get("cancelled")
        state.pending = None
        state.offered = []
        if not result.get("ok") or not done:
            if result.get("error") == "conflict" and kind != "cancel":
                self.say("I'm sorry, that time was just taken.")
                await self.search_and_offer()
                return
            self.say("I'm sorry, I wasn't able to do that. Let me transfer you to our front desk.")
            await self.tool("transfer_to_staff", reason="tool failure")
            return
        self._finish_task()
        name = done["appointment_type_name"].lower()
        if kind == "book":
            self.say(f"You're all set: a {name} with {done['provider']} on {done['when']}.", ANYTHING_ELSE)
        elif kind == "reschedule":
            self.say(f"Done. Your {name} is now on {done['when']} with {done['provider']}.", ANYTHING_ELSE)
        else:
            self.say(f"Your {name} on {done['when']} has been cancelled.", ANYTHING_ELSE)

    def _finish_task(self) -> None:
        state = self.state
        state.task = None
        for key in (
            "day",
            "day_end",
            "soonest",
            "time",
            "daypart",
            "after",
            "before",
            "provider",
            "type",
            "target",
        ):
            state.slots.pop(key, None)

    async def answer_faq(self, intent: str) -> None:
        topic = FAQ_TOPICS.get(intent) or _other_topic(self.ctx.caller_text)
        result = await self.tool("practice_info", topic=topic)
        answer = result.get("answer")
        if not answer:
            self.say(
                "I don't have that information, but our front desk can help. Would you like me to transfer you?"
            )
            return
        if topic == "hours":
            self.say(f"Our hours are: {answer}")
        elif topic == "phone":
            self.say(f"Our phone number is {answer}.")
        else:
            self.say(answer)


def _other_topic(text: str) -> str:
    lowered = text.lower()
    if "record" in lowered:
        return "records"
    if "cancel" in lowered:
        return "cancellation"
    if "website" in lowered or "web site" in lowered:
        return "website"
    return lowered[:60] or "unknown"


def _distinct(found: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """Up to ``count`` slots with different start times, earliest first."""
    seen: set[str] = set()
    out = []
    for slot in found:
        if slot["start"] not in seen:
            seen.add(slot["start"])
            out.append(slot)
        if len(out) == count:
            break
    return out


def _join(items: list[str], word: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]
