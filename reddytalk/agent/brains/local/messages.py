"""Taking a message for staff: collect what the kind of message needs, save it, confirm.

A refill request is taken for the clinical staff, never answered; "I'm running late" is passed on
with who is late. When the caller gives a date of birth, ``identify_patient`` links the message
to their record (the reply is the same whether or not it matched). When the message was offered
because no one picked up a hand-off, the call ends politely after the confirmation.
"""

from __future__ import annotations

import re

from reddytalk.agent.brains.local.turn import ANYTHING_ELSE, TurnBase
from reddytalk.agent.messaging import message_slots
from reddytalk.agent.text import say_phone

ASK_NAME = "May I have your name, please?"
ASK_NAME_DOB = "May I have your full name and date of birth?"
ASK_DOB = "And your date of birth?"
ASK_PHONE = "And what's the best number to reach you?"
ASK_REASON = {
    "refill": "Which medication do you need refilled, and which pharmacy should we send it to?",
}
ASK_REASON_DEFAULT = "And what would you like me to pass on to the staff?"
# What each kind needs before it is saved (as few questions as possible: a verified caller's
# number is on file; the date of birth is asked once and the message is taken without it if the
# caller does not give it).
NEEDS = {
    "callback": ("name", "phone", "reason"),
    "refill": ("name", "dob", "phone", "reason"),
    "running_late": ("name", "dob"),
    "handoff_unanswered": ("name", "phone", "reason"),
    "other": ("name", "phone", "reason"),
}
# Words of an opening that say nothing about the message itself ("I need a refill please").
_GENERIC = set(
    [
        "i",
        "i'd",
        "i'm",
        "need",
        "needs",
        "want",
        "would",
        "like",
        "a",
        "an",
        "my",
        "the",
        "to",
        "get",
        "some",
        "more",
        "please",
        "hi",
        "hello",
        "hey",
        "yes",
        "yeah",
        "can",
        "could",
        "you",
        "someone",
        "somebody",
        "have",
        "has",
        "me",
        "call",
        "back",
        "callback",
        "give",
        "return",
        "leave",
        "take",
        "pass",
        "on",
        "along",
        "message",
        "for",
        "it",
        "is",
        "refill",
        "refills",
        "refilled",
        "prescription",
        "prescriptions",
        "renew",
        "renewed",
        "renewal",
        "medication",
        "medications",
        "meds",
        "pills",
        "out",
        "of",
        "ran",
        "run",
        "running",
        "new",
        "from",
        "office",
        "doctor",
        "dr",
        "nurse",
        "let",
        "know",
        "tell",
        "that",
        "this",
        "and",
        "ok",
        "okay",
        "um",
        "uh",
    ]
)
_NO_MESSAGE = re.compile(r"^(?:no|nope|nah|no thanks|no thank you|never ?mind|that'?s ok(?:ay)?)\b")
# The opening already says what the message is ("call me back about my bill").
_SAYS_WHAT = re.compile(
    r"\b(?:about|regarding|because|concerning|to tell|to let|know that|know the|tell (?:him|her|them) that)\b"
)


def _looks_like_a_name(text: str) -> bool:
    """A bare answer to "your name?" that is not a question, a number or a sentence."""
    words = text.split()
    return (
        1 <= len(words) <= 4
        and all(w.replace("'", "").replace("-", "").isalpha() for w in words)
        and not (
            set(words)
            & {"what", "why", "who", "how", "no", "yes", "sorry", "bye", "goodbye", "hello", "pardon"}
        )
    )


def _says_something(opening: str) -> bool:
    """Does the opening already carry the message ("call me back about my bill", "a refill of my
    lisinopril")? Then the caller is not asked for it again."""
    words = re.sub(r"[^a-z' ]+", " ", opening.lower()).split()
    return bool(_SAYS_WHAT.search(opening.lower())) or any(w not in _GENERIC for w in words)


class MessageSteps(TurnBase):
    async def message_step(self) -> None:
        state, ents = self.state, self.ents
        slots = message_slots(self.state)
        kind = str(slots.get("kind", "other"))
        needs = NEEDS.get(kind, NEEDS["other"])
        awaiting = self.awaiting
        said = self.ctx.caller_text.strip()
        if ((ents.done or ents.abandon) and not ents.phone) or (
            awaiting == "message_contact" and _NO_MESSAGE.search(self.text) and not ents.name
        ):
            self.drop_message()
            if kind == "handoff_unanswered" or ents.done:
                await self.tool("end_call")
                self.say(f"Alright. Thank you for calling {self.ctx.practice.name}. Goodbye!")
            else:
                self.say("Alright. " + ANYTHING_ELSE)
            return
        if slots.get("reason") and "asked_reason" not in slots:
            slots["asked_reason"] = kind == "running_late" or _says_something(str(slots["reason"]))
        if ents.name and not slots.get("name"):
            slots["name"] = ents.name.title()
        elif awaiting == "message_name" and not slots.get("name") and _looks_like_a_name(self.text):
            slots["name"] = said.strip(" .,!?")[:100]
        if ents.dob:
            slots["dob"] = ents.dob.isoformat()
        if ents.phone:
            slots["phone"] = ents.phone
        just_a_number = bool(ents.phone) and len(re.sub(r"[^a-z]+", " ", self.text).split()) <= 4
        if awaiting == "message_reason" and said and not just_a_number:
            slots["reason"] = (said + " " + str(slots.get("reason", ""))).strip()[:500]
        elif awaiting == "message_reason" and just_a_number:
            slots["asked_reason"] = False  # answered the number first: ask for the message again
        elif awaiting == "message_phone" and not ents.phone and _says_something(said):
            slots["reason"] = (str(slots.get("reason", "")) + " " + said).strip()[:500]
        verified = state.identity == "verified"
        if verified and state.patient_first_name and not slots.get("name"):
            slots["name"] = state.patient_first_name
        if not slots.get("name"):
            wants_dob = kind in {"refill", "running_late"} and not verified and not slots.get("dob")
            self.ask(ASK_NAME_DOB if wants_dob else ASK_NAME, "message_name")
            return
        if "dob" in needs and not verified and not slots.get("dob") and slots.get("name_only_asked") is None:
            slots["name_only_asked"] = True
            self.ask(ASK_DOB, "message_dob")
            return
        if slots.get("dob") and not verified and not slots.get("checked"):
            slots["checked"] = True  # links the message to the record; said the same way either way
            await self.tool("identify_patient", name=slots["name"], date_of_birth=slots["dob"])
        verified = state.identity == "verified"
        if "phone" in needs and not slots.get("phone") and not verified:
            self.ask(ASK_PHONE, "message_phone")
            return
        if "reason" in needs and not slots.get("asked_reason"):
            slots["asked_reason"] = True
            self.ask(ASK_REASON.get(kind, ASK_REASON_DEFAULT), "message_reason")
            return
        await self.save_message(slots, kind)

    async def save_message(self, slots: dict[str, object], kind: str) -> None:
        reason = " ".join(str(p) for p in (slots.get("reason"), slots.get("context")) if p)
        result = await self.tool(
            "take_message",
            kind=kind,
            caller_name=str(slots["name"]),
            phone=str(slots.get("phone") or ""),
            reason=reason or kind.replace("_", " "),
        )
        self.drop_message()
        if not result.get("ok"):
            await self.tool("transfer_to_staff", reason="message could not be saved")
            self.say("I'm sorry, I couldn't save that. Let me transfer you to our front desk.")
            return
        first = str(slots["name"]).split()[0].title()
        if kind == "running_late":
            self.say(f"Thank you, {first}. I've let our staff know you're running late.")
        elif kind == "refill":
            self.say(
                f"Thank you, {first}. I've sent your refill request to our clinical staff; they'll review it "
                f"and call you{_at(slots)} if they have questions."
            )
        elif kind == "other":
            self.say(f"Thank you, {first}. I've passed your message to our staff.")
        else:
            self.say(
                f"Thank you, {first}. I've passed your message to our staff, and they'll call you back at "
                f"{_at(slots).removeprefix(' at ') or 'the number on file'}."
            )
        if kind == "handoff_unanswered":
            await self.tool("end_call")
            self.say(f"Thank you for calling {self.ctx.practice.name}. Goodbye!")
        else:
            self.ask(ANYTHING_ELSE, "after_message")

    def drop_message(self) -> None:
        self.state.slots.pop("message", None)
        self.state.task = None
        self.state.awaiting = None


def _at(slots: dict[str, object]) -> str:
    phone = slots.get("phone")
    return f" at {say_phone(str(phone))}" if phone else " at the number on file"
