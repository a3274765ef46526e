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
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from rapidfuzz import fuzz

from reddytalk.agent.matching import match_provider, match_type, name_matches, spelled_out
from reddytalk.agent.speech import say_day, say_hours, say_time, say_when
from reddytalk.agent.state import ConversationState
from reddytalk.agent.text import letters, normalise
from reddytalk.agent.tool_args import (
    TOOLS,
    AddToMessage,
    BookAppointment,
    CancelAppointment,
    EndCall,
    FindSlots,
    IdentifyPatient,
    PracticeInfo,
    RegisterPatient,
    RescheduleAppointment,
    TakeMessage,
    TransferToStaff,
    tool_schemas,
)
from reddytalk.audit import AuditLog
from reddytalk.errors import Conflict, NotFound, ReddyTalkError, ValidationFailed
from reddytalk.messages.service import MessageService, Publish
from reddytalk.patients.models import PatientCreate
from reddytalk.patients.service import PatientRecords
from reddytalk.practice.booking import Booking
from reddytalk.practice.models import Appointment, AppointmentType, Provider
from reddytalk.practice.repository import PracticeRepository
from reddytalk.practice.scheduling import find_slots
from reddytalk.stores.documents.base import DocumentStore

__all__ = ["TOOLS", "ToolBox", "tool_schemas"]

log = logging.getLogger(__name__)

MAX_IDENTIFY_ATTEMPTS = 3
NOT_VERIFIED = "I couldn't verify those details."


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
        said = spelled_out(normalise(args.name))
        matches = [
            p
            for p in await self.repo.patients_born_on(args.date_of_birth)
            if name_matches(said, p.first_name, p.last_name)
        ]
        best = matches[0] if len(matches) == 1 else None  # two look-alike records: never guess
        if best is None:
            left = MAX_IDENTIFY_ATTEMPTS - state.identify_attempts
            if left == 0:
                state.identity = "failed"
            await self._audit_identity("unverified", "denied", family=args.for_family_member)
            return {"ok": True, "verified": False, "message": NOT_VERIFIED, "attempts_left": left}
        state.identity = "verified"
        state.patient_id = best.id
        state.patient_first_name = best.first_name
        state.flags.identity_verified = True
        state.for_family_member = args.for_family_member
        await self._audit_identity(best.id, "success", family=args.for_family_member)
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

    async def _audit_identity(self, resource_id: str, outcome: str, *, family: bool = False) -> None:
        """The caller is the actor; a family member verifying for the patient is recorded as such."""
        await self.audit.record(
            actor_id=self.actor_id,
            practice_id=self.practice_id,
            action="read",
            resource_type="patient",
            resource_id=resource_id,
            purpose="family_member_verification" if family else "caller_verification",
            outcome=outcome,
        )

    async def _register_patient(self, args: RegisterPatient) -> dict[str, Any]:
        """A new patient; if the name and date of birth already match a record, that record is the
        caller (the reply is the same either way, so a caller learns nothing about who is a patient)."""
        state = self.state
        if state.identity == "verified" and state.patient_id:
            return {"ok": True, "registered": True, "first_name": state.patient_first_name}
        said = f"{args.first_name} {args.last_name}"
        known = [
            p
            for p in await self.repo.patients_born_on(args.date_of_birth)
            if name_matches(normalise(said), p.first_name, p.last_name)
        ]
        if len(known) == 1:
            patient_id, first = known[0].id, known[0].first_name
            await self._audit_identity(patient_id, "success")
        else:
            body = PatientCreate(
                first_name=args.first_name.strip().title(),
                last_name=args.last_name.strip().title(),
                dob=args.date_of_birth,
                phone=e164(args.phone),
            )
            created = await PatientRecords(self.booking.documents, self.audit).register(
                self.practice_id,
                body,
                actor_id=self.actor_id,
                insurance=args.insurance or None,
                idempotency_key=self._key("register_patient"),
            )
            patient_id, first = created.id, created.first_name
        state.identity = "verified"
        state.patient_id = patient_id
        state.patient_first_name = first
        state.flags.identity_verified = True
        state.appointments = []
        return {"ok": True, "registered": True, "first_name": first}

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
        topic = letters(args.topic).replace(" ", "_")
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
        self.state.slots["last_message_id"] = saved.id
        return {"ok": True, "message_id": saved.id, "kind": saved.kind}

    async def _add_to_message(self, args: AddToMessage) -> dict[str, Any]:
        message_id = self.state.slots.get("last_message_id")
        if not message_id:
            raise ValidationFailed("no message was taken in this call")
        await self.messages.add_to(
            self.practice_id,
            str(message_id),
            args.text,
            actor_id=self.actor_id,
            idempotency_key=self._key("add_to_message"),
        )
        return {"ok": True, "message_id": message_id}

    async def _end_call(self, args: EndCall) -> dict[str, Any]:
        self.state.flags.ended = True
        return {"ok": True, "ended": True}

    # --- helpers ---------------------------------------------------------------------------------
    async def _provider(self, said: str) -> Provider:
        found = match_provider(said, await self.repo.providers())
        if found is None:
            raise ValidationFailed("no provider by that name")
        return found

    async def _type(self, said: str | None) -> AppointmentType:
        kinds = await self.repo.appointment_types()
        if not said:
            return kinds[0]
        found = match_type(said, kinds)
        if found is None:
            raise ValidationFailed("no appointment type by that name")
        return found

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


def e164(said: str) -> str:
    """A phone number as said, in E.164 (ten digits are a North American number)."""
    digits = re.sub(r"\D", "", said)
    if len(digits) == 10:
        return "+1" + digits
    if len(digits) == 11 and digits.startswith("1"):
        return "+" + digits
    if 8 <= len(digits) <= 15:
        return "+" + digits
    raise ValidationFailed("phone number is not complete")


def _closest(topic: str, keys: list[str]) -> str | None:
    scored = [(fuzz.partial_ratio(topic, key), key) for key in keys]
    points, best = max(scored)
    return best if points >= 80 else None
