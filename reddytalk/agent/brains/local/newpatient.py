"""Registering a new patient: full name, date of birth, phone and insurance, then the first visit.

The record is created by ``register_patient`` (through the patients service, audited as the call);
the caller is then verified as that patient and the booking continues as a new-patient visit.
"""

from __future__ import annotations

import re

from reddytalk.agent.brains.local.turn import TurnBase

NEW_PATIENT_TYPE = "new-patient"
ASK_NAME_DOB = "Welcome! I can set you up as a new patient. May I have your full name and date of birth?"
ASK_NAME = "And your full name, please? First and last."
ASK_DOB = "Thanks. And your date of birth?"
ASK_PHONE = "What's the best phone number to reach you?"
ASK_INSURANCE = "Do you have health insurance? If so, which plan?"
_NO_INSURANCE = re.compile(
    r"\b(?:no(?:ne)?|nope|don'?t have (?:any|insurance)|no insurance|uninsured|self ?pay|paying (?:myself|cash|out of pocket)|cash)\b"
)


_PLANS = re.compile(
    r"\b(?:blue cross(?: blue shield)?|bcbs|aetna|cigna|united ?health ?care|harvard pilgrim|tufts"
    r"|medicare|medicaid|mass ?health|humana|kaiser|anthem|oscar|ambetter|tricare)\b"
)
_INSURANCE_WORD = re.compile(r"\b(?:insurance|insured|self ?pay)\b")


class NewPatientSteps(TurnBase):
    async def new_patient_step(self) -> bool:
        """Collect what registration needs; True once the caller is registered (and verified)."""
        state, ents = self.state, self.ents
        details = state.slots.setdefault("new", {})
        awaiting = self.awaiting
        if ents.name and len(ents.name.split()) >= 2 and not details.get("name"):
            details["name"] = ents.name
        if ents.dob:
            details["dob"] = ents.dob.isoformat()
        if ents.phone and (awaiting == "new_phone" or not details.get("phone")):
            details["phone"] = ents.phone
        plan = _PLANS.search(self.text)
        if plan and not details.get("insurance"):
            details["insurance"] = plan.group(0).title()
        elif _NO_INSURANCE.search(self.text) and (
            awaiting == "new_insurance" or _INSURANCE_WORD.search(self.text)
        ):
            details["insurance"] = "self-pay"
        elif awaiting == "new_insurance" and ents.has_when and not details.get("insurance"):
            details["insurance"] = "not given"  # they went on to the day: do not hold them up
        elif awaiting == "new_insurance" and not details.get("insurance"):
            details["insurance"] = self.ctx.caller_text.strip()[:100] or "unknown"
        if not details.get("name") and not details.get("dob"):
            self.ask(ASK_NAME_DOB, "new_identity")
            return False
        if not details.get("name"):
            self.ask(ASK_NAME, "new_identity")
            return False
        if not details.get("dob"):
            self.ask(ASK_DOB, "new_identity")
            return False
        if not details.get("phone"):
            self.ask(ASK_PHONE, "new_phone")
            return False
        if not details.get("insurance"):
            self.ask(ASK_INSURANCE, "new_insurance")
            return False
        words = str(details["name"]).split()
        result = await self.tool(
            "register_patient",
            first_name=words[0].title(),
            last_name=" ".join(words[1:]).title(),
            date_of_birth=details["dob"],
            phone=details["phone"],
            insurance=details["insurance"],
        )
        if not result.get("ok"):
            if "phone" in str(result.get("fields", "")) + str(result.get("message", "")):
                details.pop("phone", None)
                self.ask("Sorry, I didn't get the whole number. " + ASK_PHONE, "new_phone")
                return False
            await self.tool("transfer_to_staff", reason="new patient registration failed")
            self.say("I'm sorry, I couldn't finish that. Let me transfer you to our front desk.")
            return False
        state.slots.pop("new", None)
        state.slots["type"] = NEW_PATIENT_TYPE
        state.task = "book"
        self.say(f"Thank you, {result.get('first_name')}, you're registered with us.")
        return True
