"""The receptionist's tools: deterministic code the brain may ask to run.

Arguments are untrusted (a model or a parser produced them): each tool has a pydantic model, whose
JSON schema is what the LLM sees, and every call is validated against it. Unknown tools are refused
and logged. Identity lives in the conversation state, never in arguments: booking tools act only for
the patient verified by ``identify_patient``, and that tool answers identically whether a record
does not exist or the date of birth is wrong. Idempotency keys come from the turn key plus the
tool's ordinal in the turn, so a retried turn repeats its writes harmlessly.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from rapidfuzz import fuzz

from reddytalk.agent.speech import say_day, say_hours, say_time, say_when
from reddytalk.agent.state import ConversationState
from reddytalk.audit import AuditLog
from reddytalk.errors import Conflict, NotFound, ReddyTalkError, ValidationFailed
from reddytalk.messages.service import MessageService, Publish
from reddytalk.practice.booking import Booking
from reddytalk.practice.models import Appointment, AppointmentType, Provider
from reddytalk.practice.repository import PracticeRepository
from reddytalk.practice.scheduling import find_slots
from reddytalk.stores.documents.base import DocumentStore

log = logging.getLogger(__name__)

MAX_IDENTIFY_ATTEMPTS = 3
_TITLES = {"dr", "doctor", "np", "md", "nurse", "practitioner", "the"}
NAME_MATCH = 82
NOT_VERIFIED = "I couldn't verify those details."
SLOTS_SHOWN = 6


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class IdentifyPatient(_Args):
    """Verify the caller by full name and date of birth before discussing any appointment."""

    name: str = Field(min_length=2, max_length=100, description="The caller's full name as they said it.")
    date_of_birth: date = Field(description="Date of birth, YYYY-MM-DD.")


class FindSlots(_Args):
    """Find free appointment times. Times in the result are the only times you may offer."""

    provider: str | None = Field(None, max_length=100, description="Provider id or name; omit for any.")
    appointment_type: str | None = Field(None, max_length=100, description="Appointment type id or name.")
    after: datetime = Field(description="Earliest start, ISO 8601 (with offset, or local practice time).")
    before: datetime = Field(description="Latest end, ISO 8601.")
    limit: int = Field(SLOTS_SHOWN, ge=1, le=50, description="At most this many slots, earliest first.")


class BookAppointment(_Args):
    """Book a slot returned by find_slots for the verified caller, after they said yes to it."""

    provider: str = Field(min_length=1, max_length=100, description="provider_id from find_slots.")
    appointment_type: str = Field(
        min_length=1, max_length=100, description="appointment_type from find_slots."
    )
    start: datetime = Field(description="start from find_slots.")


class RescheduleAppointment(_Args):
    """Move one of the verified caller's appointments to a slot returned by find_slots."""

    appointment_id: str = Field(min_length=1, max_length=64)
    start: datetime
    provider: str | None = Field(None, max_length=100, description="New provider id, if it changes.")


class CancelAppointment(_Args):
    """Cancel one of the verified caller's appointments, after they confirmed."""

    appointment_id: str = Field(min_length=1, max_length=64)


class PracticeInfo(_Args):
    """Practice facts: hours, address, phone, parking, insurance, directions, fees, and other FAQ topics."""

    topic: str = Field(min_length=1, max_length=60)


class TransferToStaff(_Args):
    """Hand the call to a person at the front desk."""

    reason: str = Field(min_length=1, max_length=200)


class TakeMessage(_Args):
    """Save a message for the practice's staff (callback request, prescription refill request,
    running late, or other). Never answer the medical content yourself; staff will call back."""

    kind: Literal["callback", "refill", "running_late", "handoff_unanswered", "other"] = Field(
        description="What the message is about."
    )
    caller_name: str = Field(min_length=1, max_length=100, description="The caller's name as they said it.")
    phone: str = Field("", max_length=40, description="The best number to call back, as said.")
    reason: str = Field("", max_length=500, description="The message in the caller's words.")


class EndCall(_Args):
    """End the call after saying goodbye."""


TOOLS: dict[str, type[_Args]] = {
    "identify_patient": IdentifyPatient,
    "find_slots": FindSlots,
    "book_appointment": BookAppointment,
    "reschedule_appointment": RescheduleAppointment,
    "cancel_appointment": CancelAppointment,
    "practice_info": PracticeInfo,
    "transfer_to_staff": TransferToStaff,
    "take_message": TakeMessage,
    "end_call": EndCall,
}


def tool_schemas() -> list[dict[str, Any]]:
    """The tools in the OpenAI ``tools`` format."""
    out = []
    for name, model in TOOLS.items():
        schema = model.model_json_schema()
        schema.pop("title", None)
        schema.pop("description", None)
        for prop in schema.get("properties", {}).values():
            prop.pop("title", None)
        out.append(
            {
                "type": "function",
                "function": {
                    "name": name,
                    "description": (model.__doc__ or "").strip(),
                    "parameters": schema,
                },
            }
        )
    return out


def _norm(text: str) -> str:
    return re.sub(r"[^a-z ]+", "", text.lower().replace("-", " ")).strip()


def match_name(said: str, first: str, last: str) -> float:
    """How well a spoken full name matches a record (0-100), tolerant of STT spelling slips."""
    spoken, full = _norm(said), _norm(f"{first} {last}")
    whole = fuzz.token_sort_ratio(spoken, full)
    words = spoken.split()
    if len(words) >= 2:
        parts = (fuzz.ratio(words[0], _norm(first)) + fuzz.ratio(" ".join(words[1:]), _norm(last))) / 2
        whole = max(whole, parts)
    return float(whole)


class ToolBox:
    """Runs tools for one caller turn against one practice's data."""

    def __init__(
        self,
        documents: DocumentStore,
        practice_id: str,
        *,
        state: ConversationState,
        now: Callable[[], datetime],
        actor_id: str,
        turn_key: str,
        publish: Publish | None = None,
    ) -> None:
        self.repo = PracticeRepository(documents, practice_id)
        self.booking = Booking(documents, practice_id, actor_id=actor_id)
        self.audit = AuditLog(documents)
        self.messages = MessageService(documents, self.audit, publish=publish)
        self.practice_id = practice_id
        self.state = state
        self.now = now
        self.actor_id = actor_id
        self.turn_key = turn_key
        self._ordinal: dict[str, int] = {}

    async def call(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """Validate and run one tool; every outcome is a JSON-ready dict with ``ok``."""
        model = TOOLS.get(name)
        if model is None:
            log.warning("refused unknown tool", extra={"tool": re.sub(r"[^a-z0-9_]", "", name.lower())[:64]})
            return {"ok": False, "error": "unknown_tool", "message": "That tool does not exist."}
        try:
            args = model.model_validate(arguments if isinstance(arguments, dict) else {})
        except ValidationError as exc:
            fields = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})
            log.info("tool arguments rejected", extra={"tool": name, "count": len(fields)})
            return {"ok": False, "error": "invalid_arguments", "fields": fields}
        self._ordinal[name] = self._ordinal.get(name, 0) + 1
        try:
            handler = getattr(self, f"_{name}")
            result: dict[str, Any] = await handler(args)
        except (ValidationFailed, Conflict, NotFound) as exc:
            return {"ok": False, "error": exc.code, "message": exc.message}
        except ReddyTalkError as exc:
            log.warning("tool failed", extra={"tool": name, "code": exc.code})
            return {"ok": False, "error": exc.code, "message": "That didn't work just now."}
        return result

    def _key(self, name: str) -> str:
        return f"{self.turn_key}:{name}:{self._ordinal.get(name, 1)}"

    # --- identity ------------------------------------------------------------------------------
    async def _identify_patient(self, args: IdentifyPatient) -> dict[str, Any]:
        state = self.state
        if state.identity == "verified" and state.patient_id:
            return await self._verified_result()
        if state.identify_attempts >= MAX_IDENTIFY_ATTEMPTS:
            return {"ok": True, "verified": False, "message": NOT_VERIFIED, "attempts_left": 0}
        state.identify_attempts += 1
        best, score = None, 0.0
        for patient in await self.repo.patients_born_on(args.date_of_birth):
            points = match_name(args.name, patient.first_name, patient.last_name)
            if points > score:
                best, score = patient, points
        if best is None or score < NAME_MATCH:
            left = MAX_IDENTIFY_ATTEMPTS - state.identify_attempts
            if left == 0:
                state.identity = "failed"
            await self._audit_identity("unverified", "denied")
            return {"ok": True, "verified": False, "message": NOT_VERIFIED, "attempts_left": left}
        state.identity = "verified"
        state.patient_id = best.id
        state.patient_first_name = best.first_name
        state.flags.identity_verified = True
        await self._audit_identity(best.id, "success")
        return await self._verified_result()

    async def _verified_result(self) -> dict[str, Any]:
        assert self.state.patient_id is not None
        upcoming = await self.booking.list(patient_id=self.state.patient_id, after=self.now())
        described = [await self._describe(a) for a in upcoming]
        self.state.appointments = described
        return {
            "ok": True,
            "verified": True,
            "first_name": self.state.patient_first_name,
            "upcoming_appointments": described,
        }

    async def _audit_identity(self, resource_id: str, outcome: str) -> None:
        await self.audit.record(
            actor_id=self.actor_id,
            practice_id=self.practice_id,
            action="read",
            resource_type="patient",
            resource_id=resource_id,
            purpose="caller_verification",
            outcome=outcome,
        )

    def _require_identity(self) -> str:
        if self.state.identity != "verified" or not self.state.patient_id:
            raise ValidationFailed("the caller must be verified with identify_patient first")
        return self.state.patient_id

    # --- scheduling ----------------------------------------------------------------------------
    async def _find_slots(self, args: FindSlots) -> dict[str, Any]:
        practice = await self.repo.practice()
        zone = practice.zone
        after, before = (t if t.tzinfo else t.replace(tzinfo=zone) for t in (args.after, args.before))
        if before - after > timedelta(days=62):
            raise ValidationFailed("search at most two months at a time")
        providers = await self.repo.providers()
        if args.provider:
            providers = [await self._provider(args.provider)]
        kind = await self._type(args.appointment_type)
        busy = await self.repo.busy(after, before)
        slots = find_slots(
            practice, providers, kind, busy, after=after, before=before, now=self.now(), limit=args.limit
        )
        names = {p.id: p.name for p in await self.repo.providers()}
        return {
            "ok": True,
            "appointment_type": kind.id,
            "appointment_type_name": kind.name,
            "minutes": kind.minutes,
            "slots": [
                {
                    "provider_id": s.provider_id,
                    "provider": names[s.provider_id],
                    "appointment_type": kind.id,
                    "start": s.start.isoformat(),
                    "when": say_when(s.start),
                    "day": say_day(s.start),
                    "time": say_time(s.start.timetz()),
                }
                for s in slots
            ],
        }

    async def _book_appointment(self, args: BookAppointment) -> dict[str, Any]:
        patient_id = self._require_identity()
        provider = await self._provider(args.provider)
        kind = await self._type(args.appointment_type)
        start = await self._aware(args.start)
        appt = await self.booking.book(
            patient_id=patient_id,
            provider_id=provider.id,
            type_id=kind.id,
            start=start,
            idempotency_key=self._key("book_appointment"),
            now=self.now(),
        )
        described = await self._describe(appt)
        self._track(described)
        return {"ok": True, "booked": described}

    async def _reschedule_appointment(self, args: RescheduleAppointment) -> dict[str, Any]:
        patient_id = self._require_identity()
        provider = await self._provider(args.provider) if args.provider else None
        appt = await self.booking.reschedule(
            appointment_id=args.appointment_id,
            start=await self._aware(args.start),
            provider_id=provider.id if provider else None,
            patient_id=patient_id,
            idempotency_key=self._key("reschedule_appointment"),
            now=self.now(),
        )
        described = await self._describe(appt)
        self._track(described)
        return {"ok": True, "rescheduled": described}

    async def _cancel_appointment(self, args: CancelAppointment) -> dict[str, Any]:
        patient_id = self._require_identity()
        appt = await self.booking.cancel(
            appointment_id=args.appointment_id,
            patient_id=patient_id,
            idempotency_key=self._key("cancel_appointment"),
            now=self.now(),
        )
        described = await self._describe(appt)
        self.state.appointments = [a for a in self.state.appointments if a["appointment_id"] != appt.id]
        return {"ok": True, "cancelled": described}

    # --- practice and call control -------------------------------------------------------------
    async def _practice_info(self, args: PracticeInfo) -> dict[str, Any]:
        practice = await self.repo.practice()
        facts = {
            "hours": say_hours(practice.hours),
            "address": practice.address,
            "phone": practice.phone,
            "name": practice.name,
            **practice.faq,
        }
        topic = _norm(args.topic).replace(" ", "_")
        key = topic if topic in facts else _closest(topic, list(facts))
        if key is None:
            return {"ok": True, "topic": args.topic, "answer": None, "known_topics": sorted(facts)}
        return {"ok": True, "topic": key, "answer": facts[key]}

    async def _transfer_to_staff(self, args: TransferToStaff) -> dict[str, Any]:
        self.state.flags.transfer = True
        return {"ok": True, "transferring": True}

    async def _take_message(self, args: TakeMessage) -> dict[str, Any]:
        session = self.actor_id.removeprefix("agent:")
        verified = self.state.identity == "verified"
        saved = await self.messages.take(
            self.practice_id,
            session_id=session,
            kind=args.kind,
            caller_name=args.caller_name,
            phone=args.phone,
            reason=args.reason,
            patient_id=self.state.patient_id if verified else None,
            taken_by=self.actor_id,
            idempotency_key=self._key("take_message"),
        )
        self.state.flags.message_taken = True
        return {"ok": True, "message_id": saved.id, "kind": saved.kind}

    async def _end_call(self, args: EndCall) -> dict[str, Any]:
        self.state.flags.ended = True
        return {"ok": True, "ended": True}

    # --- helpers ---------------------------------------------------------------------------------
    async def _provider(self, said: str) -> Provider:
        """A provider by id, or by a spoken name ("doctor patel", "Sofia Rivera"), titles ignored."""
        providers = await self.repo.providers()
        for provider in providers:
            if provider.id == said:
                return provider
        spoken = [w for w in _norm(said).split() if w not in _TITLES]
        best, points = None, 0.0
        for provider in providers:
            for word in spoken:
                for part in (w for w in _norm(provider.name).split() if w not in _TITLES):
                    score = fuzz.ratio(word, part)
                    if score > points:
                        best, points = provider, score
        if best is None or points < 80:
            raise ValidationFailed("no provider by that name")
        return best

    async def _type(self, said: str | None) -> AppointmentType:
        kinds = await self.repo.appointment_types()
        if not said:
            return kinds[0]
        for kind in kinds:
            if kind.id == said:
                return kind
        scored = [(fuzz.token_set_ratio(_norm(said), _norm(k.name)), k) for k in kinds]
        points, best = max(scored, key=lambda pair: pair[0])
        if points < 70:
            raise ValidationFailed("no appointment type by that name")
        return best

    async def _aware(self, moment: datetime) -> datetime:
        return moment if moment.tzinfo else moment.replace(tzinfo=(await self.repo.practice()).zone)

    async def _describe(self, appt: Appointment) -> dict[str, Any]:
        practice = await self.repo.practice()
        provider = await self.repo.provider(appt.provider_id)
        kind = await self.repo.appointment_type(appt.type)
        local = appt.start.astimezone(practice.zone)
        return {
            "appointment_id": appt.id,
            "provider_id": provider.id,
            "provider": provider.name,
            "appointment_type": kind.id,
            "appointment_type_name": kind.name,
            "start": local.isoformat(),
            "when": say_when(local),
            "status": appt.status,
        }

    def _track(self, described: dict[str, Any]) -> None:
        others = [a for a in self.state.appointments if a["appointment_id"] != described["appointment_id"]]
        self.state.appointments = sorted([*others, described], key=lambda a: str(a["start"]))


def _closest(topic: str, keys: list[str]) -> str | None:
    scored = [(fuzz.partial_ratio(topic, key), key) for key in keys]
    points, best = max(scored)
    return best if points >= 80 else None
