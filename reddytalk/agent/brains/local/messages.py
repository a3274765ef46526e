"""Taking a message for staff: collect name, number and message, save it, confirm.

A refill request is taken as a message for the clinical staff, never answered; "I'm running late"
is passed on with the caller's name. When the message was offered because no one picked up a
hand-off, the call ends politely after the confirmation.
"""

from __future__ import annotations

import re

from reddytalk.agent.brains.local.turn import ANYTHING_ELSE, TurnBase
from reddytalk.agent.messaging import message_slots
from reddytalk.agent.text import find_phone, say_phone

ASK_NAME = "May I have your name, please?"
ASK_PHONE = "And what's the best number to reach you?"
ASK_REASON = {
    "refill": "Which medication do you need refilled, and which pharmacy should we use?",
    "running_late": "About how late do you think you'll be?",
}
ASK_REASON_DEFAULT = "And what would you like me to pass on to the staff?"
_NO_MESSAGE = re.compile(r"^(?:no|nope|nah|no thanks|no thank you|never ?mind|that'?s ok(?:ay)?)\b")


class MessageSteps(TurnBase):
    async def message_step(self) -> None:
        state, ents = self.state, self.ents
        slots = message_slots(self.state)
        awaiting = self.awaiting
        said = self.ctx.caller_text.strip()
        if awaiting == "message_contact" and _NO_MESSAGE.search(self.text) and not ents.name:
            self.drop_message()
            if slots.get("kind") == "handoff_unanswered":
                await self.tool("end_call")
                self.say(f"Alright. Thank you for calling {self.ctx.practice.name}. Goodbye!")
            else:
                self.say("Alright. " + ANYTHING_ELSE)
            return
        if ents.name and not slots.get("name"):
            slots["name"] = ents.name.title()
        elif awaiting == "message_name" and not slots.get("name") and said:
            slots["name"] = said[:100]
        phone = find_phone(self.numeric)
        if phone:
            slots["phone"] = phone
        if awaiting == "message_reason" and said:
            slots["reason"] = (slots.get("reason", "") + " " + said).strip()[:500]
        if not slots.get("name"):
            if state.identity == "verified" and state.patient_first_name:
                slots["name"] = state.patient_first_name
            else:
                self.ask(ASK_NAME, "message_name")
                return
        if not slots.get("phone"):
            self.ask(ASK_PHONE, "message_phone")
            return
        if not slots.get("asked_reason"):
            slots["asked_reason"] = True
            self.ask(ASK_REASON.get(slots["kind"], ASK_REASON_DEFAULT), "message_reason")
            return
        reason = " ".join(p for p in (slots.get("reason"), slots.get("context")) if p)
        result = await self.tool(
            "take_message",
            kind=slots["kind"],
            caller_name=slots["name"],
            phone=slots["phone"],
            reason=reason or slots["kind"].replace("_", " "),
        )
        kind = slots["kind"]
        self.drop_message()
        if not result.get("ok"):
            await self.tool("transfer_to_staff", reason="message could not be saved")
            self.say("I'm sorry, I couldn't save that. Let me transfer you to our front desk.")
            return
        first = str(slots["name"]).split()[0].title()
        confirm = f"Thank you, {first}. I've passed your message to our staff"
        if kind == "running_late":
            confirm = f"Thank you, {first}. I've let our staff know you're running late"
        self.say(f"{confirm}, and they'll call you back at {say_phone(slots['phone'])} if needed.")
        if kind == "handoff_unanswered":
            await self.tool("end_call")
            self.say(f"Thank you for calling {self.ctx.practice.name}. Goodbye!")
        else:
            self.say(ANYTHING_ELSE)

    def drop_message(self) -> None:
        self.state.slots.pop("message", None)
        self.state.task = None
        self.state.awaiting = None
