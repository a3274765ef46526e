"""Which of the caller's appointments a request is about, and reading them back."""

from __future__ import annotations

from typing import Any

from reddytalk.agent.brains.local.turn import ANYTHING_ELSE, TurnBase, article, join


class TargetSteps(TurnBase):
    def list_appointments(self) -> None:
        upcoming = self.state.appointments
        self.state.task = None
        if not upcoming:
            self.say("I don't see any upcoming appointments for you. Would you like to book one?")
            return
        parts = [
            f"{article(a['appointment_type_name'])} with {a['provider']} on {a['when']}" for a in upcoming
        ]
        state = self.state
        subject = f"{state.patient_first_name} has" if state.for_family_member else "You have"
        self.say(f"{subject} " + join(parts) + ".", ANYTHING_ELSE)

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
            options = join(
                [f"the {a['appointment_type_name'].lower()} on {a['when']}" for a in upcoming], "or"
            )
            self.say(f"You have more than one appointment. Which one would you like to {verb}: {options}?")
            state.awaiting = "target"
            return False
        slots["target"] = chosen
        same_day = bool(slots.pop("same_day", None))
        if same_day and not slots.get("day"):
            slots["day"] = chosen["start"][:10]  # "later that day": the appointment's own day
        if slots.pop("later", None) and not slots.get("after") and not slots.get("time"):
            slots["after"] = chosen["start"][11:16]
        if state.task == "reschedule" and same_day:
            slots.setdefault("type", chosen["appointment_type"])
            slots.setdefault("provider", chosen["provider_id"])
        elif state.task == "reschedule":
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
            ("from_day", lambda a: a["start"][:10] == slots.get("from_day")),
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
