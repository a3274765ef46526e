"""Finding, offering, confirming and executing a booking or a move.

Every day, time and provider said here is copied from a ``find_slots`` or booking tool result.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from reddytalk.agent.brains.local.extract import Entities
from reddytalk.agent.brains.local.turn import ANYTHING_ELSE, TurnBase, article, join

OFFER_COUNT = 3
SEARCH_DAYS = 14
DAYPARTS = {
    "morning": (time(0, 0), time(12, 0)),
    "afternoon": (time(12, 0), time(17, 0)),
    "evening": (time(16, 0), time(23, 59)),
}


class BookingSteps(TurnBase):
    async def book_step(self, ents: Entities) -> None:
        state, slots = self.state, self.state.slots
        if state.offered and ents.shift and ents.choice is None and not ents.time_of_day:
            self._shift(ents.shift)
        if state.offered and not ents.correction:
            chosen = self._choose_offer(ents)
            if chosen is not None:
                self.confirm(chosen)
                return
        if not slots.get("type"):
            kinds = [t for t in self.ctx.appointment_types if t.id != "new-patient"]
            names = join([t.name.lower() for t in kinds[:4]], "or")
            self.say(f"What kind of visit do you need? For example, {names}.")
            state.awaiting = "type"
            return
        if not any(slots.get(k) for k in ("day", "soonest", "time", "daypart", "after", "before")):
            self.say("What day would work best for you?")
            state.awaiting = "when"
            return
        await self.search_and_offer()

    def _shift(self, shift: str) -> None:
        """ "Anything later?" / "earlier?" / "a different day?": search again next to what was offered."""
        offered, slots = self.state.offered, self.state.slots
        starts = sorted(o["start"] for o in offered)
        day = date.fromisoformat(starts[0][:10])
        for key in ("time", "after", "before", "daypart", "day_end", "soonest"):
            slots.pop(key, None)
        if shift == "later":
            slots["day"], slots["after"] = starts[-1][:10], _plus_minutes(starts[-1][11:16], 1)
        elif shift == "earlier":
            slots["day"], slots["before"] = starts[0][:10], starts[0][11:16]
        else:
            slots["day"] = (day + timedelta(days=1)).isoformat()
        self.state.offered = []

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
                self.ask(
                    "I'm sorry, I don't see any openings in the next two weeks. Would you like me to transfer you to our front desk?",
                    "transfer_offer",
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
            self.say(f"{note}{lead}{join(label, 'or')}{tail}. Which works best?")
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
        if slots.get("after") and first == last:  # "anything after 3" on one day: search from there
            start_t = max(start_t, time.fromisoformat(slots["after"]))
        if slots.get("before") and first == last:
            end_t = min(end_t, time.fromisoformat(slots["before"]))
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
                f"To confirm, {article(kind.name)} with {slot['provider']} on {slot['when']}. Shall I book it?"
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
        self.finish_task()
        name = done["appointment_type_name"].lower()
        if kind == "book":
            self.say(
                f"You're all set: {article(name)} with {done['provider']} on {done['when']}.", ANYTHING_ELSE
            )
        elif kind == "reschedule":
            self.say(f"Done. Your {name} is now on {done['when']} with {done['provider']}.", ANYTHING_ELSE)
        else:
            self.say(f"Your {name} on {done['when']} has been cancelled.", ANYTHING_ELSE)


def _plus_minutes(clock: str, minutes: int) -> str:
    moment = datetime.combine(date(2000, 1, 1), time.fromisoformat(clock)) + timedelta(minutes=minutes)
    return moment.strftime("%H:%M")


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
