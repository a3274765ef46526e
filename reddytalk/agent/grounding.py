"""Grounding for LLM replies: every date, time and provider a reply names must come from a tool
result of this turn, the conversation state, or the practice data the model was given.

A model that "remembers" an opening it never looked up would book a caller for a time that does not
exist, so each sentence is checked before it is spoken (``SentenceGate``). The facts looked for are
the ones a caller acts on: clock times ("3 PM", "10:30"), calendar days ("December 4", "12/4"),
weekday names, and providers ("Dr. Smith"). They are compared with what the grounded sources say,
after both are normalised the same way (a tool's ISO ``start`` grounds "Tuesday", "December 1" and
"9:30 AM" alike). What the caller said this turn is grounded too (repeating "you said Friday" is
not an invention).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from reddytalk.agent.state import ConversationState
from reddytalk.practice.models import Practice, Provider

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_TIME = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s*(a\.?\s?m\.?|p\.?\s?m\.?)(?![a-z])", re.IGNORECASE)
_CLOCK = re.compile(r"\b(\d{1,2}):(\d{2})\b")
_NOON = re.compile(r"\bnoon\b", re.IGNORECASE)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?")
_MONTH_DAY = re.compile(rf"\b({'|'.join(MONTHS)})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b", re.IGNORECASE)
_NUMERIC_DAY = re.compile(r"\b(\d{1,2})/(\d{1,2})(?:/\d{2,4})?\b")
_WEEKDAY = re.compile(rf"\b({'|'.join(WEEKDAYS)})\b", re.IGNORECASE)
_THROUGH = re.compile(rf"\b({'|'.join(WEEKDAYS)}) (?:through|to|-) ({'|'.join(WEEKDAYS)})\b", re.IGNORECASE)
_DOCTOR = re.compile(r"\b(?:Dr\.?|Doctor)\s+([A-Z][A-Za-z'-]+)")
# A sentence ends at . ! ? before a space, but not after a title or "a.m." ("Dr. Patel", "9 a.m. on").
_SENTENCE_END = re.compile(r"(?<!\bDr)(?<!\bMr)(?<!\bMs)(?<!\bMrs)(?<!\bSt)(?<!\b[AaPp]\.[Mm])[.!?](?=\s|$)")


def _times(text: str) -> set[str]:
    """Clock times as "H:MM" on a 12-hour dial (am/pm ignored: "3 PM" and a tool's 15:00 agree)."""
    found = {f"{int(h) % 12}:{m or '00'}" for h, m, _ in _TIME.findall(text)}
    found |= {f"{int(h) % 12}:{m}" for h, m in _CLOCK.findall(text)}
    if _NOON.search(text):
        found.add("0:00")
    return found


def _days(text: str, year: int) -> set[str]:
    """Calendar days as "M-D" (month names, numeric "12/4", ISO dates)."""
    found = {f"{MONTHS.index(m.lower()) + 1}-{int(d)}" for m, d in _MONTH_DAY.findall(text)}
    found |= {f"{int(m)}-{int(d)}" for m, d in _NUMERIC_DAY.findall(text) if 1 <= int(m) <= 12}
    for _year, m, d, *_ in _ISO.findall(text):
        found.add(f"{int(m)}-{int(d)}")
    return found


def _weekdays(text: str) -> set[str]:
    found = {w.lower() for w in _WEEKDAY.findall(text)}
    for first, last in _THROUGH.findall(text):  # "Monday through Friday" grounds the days between
        a, b = WEEKDAYS.index(first.lower()), WEEKDAYS.index(last.lower())
        found.update(WEEKDAYS[i] for i in range(a, b + 1))
    for y, m, d, *_ in _ISO.findall(text):
        try:
            found.add(WEEKDAYS[date(int(y), int(m), int(d)).weekday()])
        except ValueError:
            continue
    return found


def _iso_times(text: str) -> set[str]:
    return {f"{int(h) % 12}:{mi}" for *_, h, mi in _ISO.findall(text) if h}


class Grounding:
    """What this turn may state: the state, the practice, the caller's words, and tool results."""

    def __init__(
        self,
        state: ConversationState,
        practice: Practice,
        providers: list[Provider],
        hours: str,
        now: datetime,
        caller_text: str,
    ) -> None:
        self.year = now.year
        self.providers = providers
        self.results: list[tuple[str, dict[str, Any]]] = []
        sources = [
            caller_text,
            hours,
            state.summary,
            *(t.text for t in state.turns),
            json.dumps([state.appointments, state.offered, state.pending, state.slots], default=str),
            state.patient_first_name or "",
            practice.name,
            practice.address,
            practice.phone,
            " ".join(str(v) for v in practice.faq.values()),
        ]
        today = now.date()
        sources.append(" ".join(f"{(today + timedelta(days=i)).isoformat()}" for i in range(2)))
        self._text = ""
        self._add(sources)

    def _add(self, pieces: Iterable[str]) -> None:
        self._text += "\n" + "\n".join(pieces)
        self._grounded_times = _times(self._text) | _iso_times(self._text)
        self._grounded_days = _days(self._text, self.year)
        self._grounded_weekdays = _weekdays(self._text)

    def add_result(self, name: str, result: dict[str, Any]) -> None:
        """A tool's outcome this turn: everything in it may be said."""
        self.results.append((name, result))
        self._add([json.dumps(result, default=str)])

    def ungrounded(self, sentence: str) -> list[str]:
        """The facts in ``sentence`` that nothing grounded says (empty = may be spoken)."""
        problems = [f"time {t}" for t in sorted(_times(sentence) - self._grounded_times)]
        problems += [f"date {d}" for d in sorted(_days(sentence, self.year) - self._grounded_days)]
        problems += [f"day {w}" for w in sorted(_weekdays_plain(sentence) - self._grounded_weekdays)]
        for name in _DOCTOR.findall(sentence):  # the practice's directory is given to the model
            if not any(name.lower() in re.findall(r"[a-z'-]+", p.name.lower()) for p in self.providers):
                problems.append(f"provider {name}")
        return problems


def _weekdays_plain(text: str) -> set[str]:
    return {w.lower() for w in _WEEKDAY.findall(text)}


class SentenceGate:
    """Holds streamed text until its sentence is complete and checked; a failing sentence blocks
    the rest of the reply (nothing after it is spoken)."""

    def __init__(self, grounding: Grounding) -> None:
        self.grounding = grounding
        self.pending: list[str] = []
        self.blocked: list[str] = []

    def feed(self, piece: str) -> list[str]:
        """The pieces now safe to speak (in the order they streamed)."""
        if self.blocked:
            return []
        self.pending.append(piece)
        held = "".join(self.pending)
        last = None
        for match in _SENTENCE_END.finditer(held):
            last = match.end()
        if last is None:
            return []
        return self._release(held[:last], held[last:])

    def flush(self) -> list[str]:
        if self.blocked or not self.pending:
            return []
        return self._release("".join(self.pending), "")

    def _release(self, complete: str, rest: str) -> list[str]:
        problems = self.grounding.ungrounded(complete)
        if problems:
            self.blocked = problems
            self.pending = []
            return []
        out, used = [], 0
        for piece in self.pending:  # keep the stream's own pieces (callers hear it as it came)
            if used + len(piece) <= len(complete):
                out.append(piece)
                used += len(piece)
            else:
                head = complete[used:]
                if head:
                    out.append(head)
                break
        self.pending = [rest] if rest else []
        return out


def templated_reply(results: list[tuple[str, dict[str, Any]]], state: ConversationState) -> str:
    """A reply built only from this turn's tool results (the last resort after a regenerated reply
    still named something ungrounded)."""
    for name, result in reversed(results):
        if not result.get("ok"):
            continue
        for key, verb in (("booked", "is booked for"), ("rescheduled", "is now on"), ("cancelled", "on")):
            done = result.get(key)
            if isinstance(done, dict):
                what = str(done.get("appointment_type_name", "appointment")).lower()
                if key == "cancelled":
                    return f"Your {what} on {done.get('when')} has been cancelled."
                return f"Your {what} with {done.get('provider')} {verb} {done.get('when')}."
        if name == "find_slots":
            slots = result.get("slots") or []
            if not slots:
                return "I don't see any openings then. Would another day work?"
            offers = [f"{s['when']} with {s['provider']}" for s in slots[:3]]
            return "I have " + ", or ".join(offers) + ". Which works best?"
        if name == "identify_patient":
            if result.get("verified"):
                return f"Thank you, {result.get('first_name')}, you're verified. How can I help you today?"
            return (
                "I couldn't verify those details. Could you tell me your full name and date of birth again?"
            )
        if name == "practice_info" and result.get("answer"):
            return str(result["answer"])
        if name == "take_message":
            return "I've passed your message to our staff."
    if state.identity == "verified" and state.appointments:
        first = state.appointments[0]
        return f"Your next appointment is {first['when']} with {first['provider']}."
    return "I want to be sure I give you the right details. Could you tell me what you'd like to do?"
