"""Staff appointment operations: one thin layer over ``reddytalk.practice.booking.Booking``.

The booking rules, slot holds, idempotency and audit of writes are Booking's; this module turns a
verified principal into a practice-scoped ``Booking``, maps local days to UTC ranges, and audits
the single-appointment read that Booking does not offer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from reddytalk.appointments.models import (
    AppointmentCreate,
    AppointmentFilter,
    AppointmentList,
    AppointmentMove,
    AppointmentOut,
)
from reddytalk.audit import AuditLog
from reddytalk.audit_refs import audit_ref
from reddytalk.auth.rbac import Principal
from reddytalk.errors import NotFound
from reddytalk.practice.booking import Booking
from reddytalk.practice.models import Appointment
from reddytalk.stores.documents.base import DocumentStore


def appointment_out(appt: Appointment) -> AppointmentOut:
    return AppointmentOut(
        id=appt.id,
        patient_id=appt.patient_id,
        provider_id=appt.provider_id,
        type=appt.type,
        start=appt.start,
        status=appt.status,
    )


class StaffAppointments:
    def __init__(
        self,
        documents: DocumentStore,
        audit: AuditLog,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._docs = documents
        self._audit = audit
        self._now = now

    def _booking(self, who: Principal) -> Booking:
        return Booking(self._docs, who.practice_id, actor_id=who.actor_id)

    async def list(self, who: Principal, criteria: AppointmentFilter) -> AppointmentList:
        booking = self._booking(who)
        after = before = None
        if criteria.day is not None:
            zone = (await booking.repo.practice()).zone
            after = datetime.combine(criteria.day, datetime.min.time(), zone)
            before = after + timedelta(days=1)
        found = await booking.list(
            patient_id=criteria.patient_id,
            provider_id=criteria.provider_id,
            after=after,
            before=before,
            include_cancelled=criteria.include_cancelled,
        )
        return AppointmentList(items=[appointment_out(a) for a in found])

    async def get(self, who: Principal, appointment_id: str, request_id: str | None) -> AppointmentOut:
        booking = self._booking(who)
        try:
            appt = await booking.repo.appointment(appointment_id)
        except NotFound:
            await self._record(who, appointment_id, "not_found", request_id)
            raise
        await self._record(who, appointment_id, "success", request_id)
        return appointment_out(appt)

    async def create(self, who: Principal, body: AppointmentCreate, idempotency_key: str) -> AppointmentOut:
        await self._not_deleted(body.patient_id)
        appt = await self._booking(who).book(
            patient_id=body.patient_id,
            provider_id=body.provider_id,
            type_id=body.type_id,
            start=body.start,
            idempotency_key=idempotency_key,
            now=self._now(),
        )
        return appointment_out(appt)

    async def move(
        self, who: Principal, appointment_id: str, body: AppointmentMove, idempotency_key: str
    ) -> AppointmentOut:
        appt = await self._booking(who).reschedule(
            appointment_id=appointment_id,
            start=body.start,
            provider_id=body.provider_id,
            idempotency_key=idempotency_key,
            now=self._now(),
        )
        return appointment_out(appt)

    async def cancel(self, who: Principal, appointment_id: str, idempotency_key: str) -> AppointmentOut:
        appt = await self._booking(who).cancel(
            appointment_id=appointment_id, idempotency_key=idempotency_key, now=self._now()
        )
        return appointment_out(appt)

    async def _not_deleted(self, patient_id: str) -> None:
        """A soft-deleted patient cannot be booked (Booking itself scopes the patient to the practice)."""
        try:
            doc = await self._docs.read("patients", patient_id, patient_id)
        except NotFound:
            return  # Booking answers 404 for it
        if doc.get("deleted_at"):
            raise NotFound("no such patient")

    async def _record(
        self, who: Principal, appointment_id: str, outcome: str, request_id: str | None
    ) -> None:
        await self._audit.record(
            actor_id=who.actor_id,
            practice_id=who.practice_id,
            action="read",
            resource_type="appointment",
            resource_id=audit_ref(appointment_id),
            purpose="scheduling",
            outcome=outcome,
            request_id=request_id,
        )
