"""Identifying the caller: full name and date of birth, checked by ``identify_patient``.

What the caller is told never depends on whether a name exists: a wrong date of birth and an
unknown name get the same answer, and after three tries the call goes to the front desk.
"""

from __future__ import annotations

from reddytalk.agent.brains.local.turn import TurnBase

ASK_IDENTITY = "Sure. First, can I have your full name and date of birth?"
ASK_AGAIN = (
    "I couldn't verify those details. Could you tell me the full name and date of birth once more, "
    "and spell the last name for me?"
)
ASK_DOB = "Thanks. And your date of birth?"
ASK_NAME = "Thanks. And your full name, please?"
CANT_VERIFY = (
    "I'm sorry, I still can't verify those details. Let me transfer you to our front desk so they can help."
)


class IdentitySteps(TurnBase):
    async def identify(self) -> None:
        state, slots = self.state, self.state.slots
        if state.identity == "failed":
            await self.transfer_unverified()
            return
        name, dob = slots.get("name"), slots.get("dob")
        relation = slots.get("for")
        if not name and not dob:
            if relation:
                self.say(f"Sure. What's your {relation}'s full name and date of birth?")
            else:
                self.say(ASK_IDENTITY)
            state.awaiting = "identity"
            return
        if not dob:
            self.say(f"Thanks. And your {relation}'s date of birth?" if relation else ASK_DOB)
            state.awaiting = "dob"
            return
        if not name:
            self.say(ASK_NAME)
            state.awaiting = "name"
            return
        arguments = {"name": name, "date_of_birth": dob}
        if relation:
            arguments["for_family_member"] = True
        result = await self.tool("identify_patient", **arguments)
        slots.pop("name", None)
        slots.pop("dob", None)
        if result.get("verified"):
            if relation:
                self.say(f"Thank you, I've found {result.get('first_name')}'s record.")
            else:
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
