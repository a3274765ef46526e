"""THE booking implementation: book, reschedule, cancel and list appointments.

The agent's tools and the staff API both call these functions, so the rules live in one place:

* a booking lies inside the practice's hours and the provider's schedule, on the 5-minute grid,
  never in the past and at most a year ahead;
* no double booking: an appointment claims one ``hold`` document per 5-minute cell it covers
  (id ``hold:<provider>:<UTC cell>``, created in time order with create-if-absent), so of two
  concurrent bookings that overlap exactly one wins and the other gets ``Conflict``;
* every write is idempotent by a caller-supplied key: the appointment id is derived from the key,
  and the outcome is remembered in the ``idempotency`` container, so a retried request returns
  the first result instead of booking twice;
* every read and write of an appointment is audited (``reddytalk.audit``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from reddytalk.audit import AuditLog
from reddytalk.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from reddytalk.practice.models import Appointment
from reddytalk.practice.repository import PracticeRepository, utc_key
from reddytalk.practice.scheduling import cells, on_cell_grid, within_hours
from reddytalk.stores.documents.base import Document, DocumentStore

IDEMPOTENCY_TTL = 7 * 24 * 3600
BOOKING_HORIZON = timedelta(days=366)
STALE_HOLD = timedelta(minutes=2)  # a hold whose appointment never appeared this long after is orphaned


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def appointment_id_for(practice_id: str, idempotency_key: str) -> str:
    """The deterministic id of the appointment a booking request with this key creates."""
    return "apt-" + _digest(practice_id, idempotency_key)[:20]


def hold_documents(
    practice_id: str,
    provider_id: str,
    start: datetime,
    minutes: int,
    appointment_id: str,
    claimed_at: str = "",
) -> list[Document]:
    """The hold documents an appointment occupies, earliest first (the claiming order)."""
    return [
        {
            "id": f"hold:{provider_id}:{cell.strftime('%Y%m%dT%H%MZ')}",
            "practice_id": practice_id,
            "kind": "hold",
            "provider_id": provider_id,
            "appointment_id": appointment_id,
            "claimed_at": claimed_at,
        }
        for cell in cells(start, minutes)
    ]


class Booking:
    """Booking operations for one practice. ``actor_id`` is who acts (``agent:<call>``, ``user:<id>``)."""

    def __init__(self, documents: DocumentStore, practice_id: str, *, actor_id: str) -> None:
        self.documents = documents
        self.practice_id = practice_id
        self.actor_id = actor_id
        self.repo = PracticeRepository(documents, practice_id)
        self.audit = AuditLog(documents)

    # --- public operations -------------------------------------------------------------------
    async def book(
        self,
        *,
        patient_id: str,
        provider_id: str,
        type_id: str,
        start: datetime,
        idempotency_key: str,
        now: datetime,
    ) -> Appointment:
        """Book ``type_id`` with ``provider_id`` at ``start``; ``Conflict`` if the time is taken."""
        request = {
            "op": "book",
            "patient": patient_id,
            "provider": provider_id,
            "type": type_id,
            "start": utc_key(start),
        }
        remembered = await self._remembered(idempotency_key, request)
        if remembered is not None:
            return remembered
        await self.repo.patient(patient_id)
        minutes = await self._check_time(provider_id, type_id, start, now)
        appointment_id = appointment_id_for(self.practice_id, idempotency_key)
        await self._claim(provider_id, start, minutes, appointment_id, now)
        appt = Appointment(
            id=appointment_id, patient_id=patient_id, provider_id=provider_id, type=type_id, start=start
        )
        zone = (await self.repo.practice()).zone
        doc = self.repo.appointment_document(appt, minutes, zone, idempotency_key=_digest(idempotency_key))
        with contextlib.suppress(Conflict):  # a retry after a crash between create and remember: already ours
            await self.documents.create("appointments", doc)
        await self._remember(idempotency_key, request, appointment_id)
        await self._audit("create", appointment_id, "success")
        return await self.repo.appointment(appointment_id)

    async def reschedule(
        self,
        *,
        appointment_id: str,
        start: datetime,
        idempotency_key: str,
        now: datetime,
        provider_id: str | None = None,
        patient_id: str | None = None,
    ) -> Appointment:
        """Move a booked appointment (optionally to another provider); ``patient_id`` restricts ownership."""
        request = {
            "op": "reschedule",
            "appointment": appointment_id,
            "start": utc_key(start),
            "provider": provider_id,
        }
        remembered = await self._remembered(idempotency_key, request)
        if remembered is not None:
            return remembered
        doc = await self._owned(appointment_id, patient_id)
        current = self.repo.appointment_from(doc)
        if current.status != "booked":
            raise Conflict("only a booked appointment can be rescheduled")
        new_provider = provider_id or current.provider_id
        minutes = await self._check_time(new_provider, current.type, start, now)
        if current.start.astimezone(start.tzinfo) == start and new_provider == current.provider_id:
            await self._remember(idempotency_key, request, appointment_id)
            return current
        old_holds = {
            h["id"]
            for h in hold_documents(
                self.practice_id, current.provider_id, current.start, minutes, appointment_id
            )
        }
        new_holds = await self._claim(new_provider, start, minutes, appointment_id, now)
        moved = current.model_copy(update={"start": start, "provider_id": new_provider})
        zone = (await self.repo.practice()).zone
        body = self.repo.appointment_document(
            moved, minutes, zone, idempotency_key=doc.get("idempotency_key")
        )
        try:
            await self.documents.replace("appointments", body, etag=doc.get("_etag"))
        except PreconditionFailed:
            await self._release(new_holds - old_holds)
            raise Conflict("the appointment changed meanwhile; try again") from None
        await self._release(old_holds - new_holds)
        await self._remember(idempotency_key, request, appointment_id)
        await self._audit("update", appointment_id, "success")
        return await self.repo.appointment(appointment_id)

    async def cancel(
        self, *, appointment_id: str, idempotency_key: str, now: datetime, patient_id: str | None = None
    ) -> Appointment:
        """Cancel an appointment (idempotent: cancelling a cancelled one returns it unchanged)."""
        doc = await self._owned(appointment_id, patient_id)
        current = self.repo.appointment_from(doc)
        if current.status == "cancelled":
            return current
        if current.status != "booked":
            raise Conflict("only a booked appointment can be cancelled")
        if current.start <= now:
            raise ValidationFailed("an appointment that has started cannot be cancelled")
        minutes = int(doc.get("minutes") or (await self.repo.appointment_type(current.type)).minutes)
        try:
            await self.documents.replace(
                "appointments", {**doc, "status": "cancelled"}, etag=doc.get("_etag")
            )
        except PreconditionFailed:
            raise Conflict("the appointment changed meanwhile; try again") from None
        await self._release(
            {
                h["id"]
                for h in hold_documents(
                    self.practice_id, current.provider_id, current.start, minutes, appointment_id
                )
            }
        )
        await self._remember(idempotency_key, {"op": "cancel", "appointment": appointment_id}, appointment_id)
        await self._audit("update", appointment_id, "success")
        return await self.repo.appointment(appointment_id)

    async def list(
        self,
        *,
        patient_id: str | None = None,
        provider_id: str | None = None,
        after: datetime | None = None,
        before: datetime | None = None,
        include_cancelled: bool = False,
    ) -> list[Appointment]:
        """Appointments of this practice, earliest first; audited as one read."""
        found = await self.repo.appointments(
            patient_id=patient_id,
            provider_id=provider_id,
            after=after,
            before=before,
            statuses=None if include_cancelled else ("booked",),
        )
        await self._audit("read", patient_id or "appointments", "success", resource_type="appointment_list")
        return found

    # --- rules -------------------------------------------------------------------------------------
    async def _check_time(self, provider_id: str, type_id: str, start: datetime, now: datetime) -> int:
        if start.tzinfo is None:
            raise ValidationFailed("start needs a UTC offset")
        if not on_cell_grid(start):
            raise ValidationFailed("start must be on a 5-minute boundary")
        if start <= now:
            raise ValidationFailed("that time is in the past")
        if start > now + BOOKING_HORIZON:
            raise ValidationFailed("bookings open at most a year ahead")
        practice = await self.repo.practice()
        provider = await self.repo.provider(provider_id)
        kind = await self.repo.appointment_type(type_id)
        if not within_hours(practice, provider, start, kind.minutes):
            raise ValidationFailed("the provider is not available at that time")
        return kind.minutes

    async def _owned(self, appointment_id: str, patient_id: str | None) -> Document:
        try:
            doc = await self.repo.appointment_doc(appointment_id)
        except NotFound:
            raise NotFound("no such appointment") from None
        if patient_id is not None and doc.get("patient_id") != patient_id:
            raise NotFound("no such appointment")
        return doc

    # --- slot holds --------------------------------------------------------------------------------
    async def _claim(
        self, provider_id: str, start: datetime, minutes: int, appointment_id: str, now: datetime
    ) -> set[str]:
        """Create every hold in time order; on a lost race release what was taken and raise ``Conflict``."""
        created: set[str] = set()
        held: set[str] = set()
        for hold in hold_documents(
            self.practice_id, provider_id, start, minutes, appointment_id, now.isoformat()
        ):
            try:
                await self.documents.create("appointments", hold)
                created.add(hold["id"])
            except Conflict:
                if not await self._ours_or_orphan(hold, appointment_id, now):
                    await self._release(created)
                    raise Conflict("that time is no longer available") from None
            held.add(hold["id"])
        return held

    async def _ours_or_orphan(self, hold: Document, appointment_id: str, now: datetime) -> bool:
        try:
            existing = await self.documents.read("appointments", hold["id"], self.practice_id)
        except NotFound:
            return False  # released in between; the caller may retry
        if existing.get("appointment_id") == appointment_id:
            return True
        claimed = existing.get("claimed_at") or ""
        if not claimed or datetime.fromisoformat(claimed) > now - STALE_HOLD:
            return False
        try:  # the holder never created its appointment (or it is no longer booked): take the hold over
            owner = await self.repo.appointment(str(existing.get("appointment_id")))
            if owner.status == "booked":
                return False
        except NotFound:
            pass
        try:
            await self.documents.replace("appointments", hold, etag=existing.get("_etag"))
        except (PreconditionFailed, NotFound):
            return False
        return True

    async def _release(self, hold_ids: set[str]) -> None:
        for hold_id in sorted(hold_ids):
            with contextlib.suppress(NotFound):
                await self.documents.delete("appointments", hold_id, self.practice_id)

    # --- idempotency -----------------------------------------------------------------------------
    def _idempotency_id(self, key: str) -> str:
        return _digest(self.practice_id, key)

    async def _remembered(self, key: str, request: dict[str, Any]) -> Appointment | None:
        if not key or len(key) > 200:
            raise ValidationFailed("an idempotency key of 1-200 characters is required")
        try:
            record = await self.documents.read(
                "idempotency", self._idempotency_id(key), f"booking:{self.practice_id}"
            )
        except NotFound:
            return None
        if record.get("request") != _digest(json.dumps(request, sort_keys=True)):
            raise Conflict("this idempotency key was used for a different request")
        return await self.repo.appointment(record["appointment_id"])

    async def _remember(self, key: str, request: dict[str, Any], appointment_id: str) -> None:
        await self.documents.upsert(
            "idempotency",
            {
                "id": self._idempotency_id(key),
                "scope": f"booking:{self.practice_id}",
                "request": _digest(json.dumps(request, sort_keys=True)),
                "appointment_id": appointment_id,
                "ttl": IDEMPOTENCY_TTL,
            },
        )

    async def _audit(
        self, action: str, resource_id: str, outcome: str, *, resource_type: str = "appointment"
    ) -> None:
        await self.audit.record(
            actor_id=self.actor_id,
            practice_id=self.practice_id,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            purpose="scheduling",
            outcome=outcome,
        )
