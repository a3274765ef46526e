"""Practice data in the document store: one place that knows the document shapes.

Layout (every document carries ``practice_id`` and a ``kind``):

* ``practices`` (pk ``practice_id``): the practice itself (``id`` = practice id), its providers
  (``provider:<id>``) and appointment types (``type:<id>``).
* ``patients`` (pk ``patient_id``): one document per patient, with lower-cased ``first_name_lc`` /
  ``last_name_lc`` copies for search.
* ``appointments`` (pk ``practice_id``): appointments (``kind: appointment``, ``start_utc``/``end_utc``
  for range queries) and the 5-minute slot holds that make double booking impossible
  (``kind: hold``, see ``booking.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from reddytalk.errors import NotFound
from reddytalk.practice.models import Appointment, AppointmentType, Patient, Practice, PracticeFile, Provider
from reddytalk.stores.documents.base import AnyOf, Document, DocumentStore, Query, Range

UTC = ZoneInfo("UTC")
ACTIVE = ("booked",)


def utc_key(moment: datetime) -> str:
    """A sortable UTC timestamp string used for range queries."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _strip(doc: Document) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if not k.startswith("_") and k not in {"kind", "practice_id"}}


class PracticeRepository:
    """Reads and writes one practice's data; every read is scoped to ``practice_id``."""

    def __init__(self, documents: DocumentStore, practice_id: str) -> None:
        self.documents = documents
        self.practice_id = practice_id
        self._practice: Practice | None = None
        self._providers: list[Provider] | None = None
        self._types: list[AppointmentType] | None = None

    # --- reference data (cached per repository: it changes only by seeding) ------------------
    @property
    def loaded_practice(self) -> Practice | None:
        """The practice if it has been read already (for synchronous callers)."""
        return self._practice

    async def practice(self) -> Practice:
        if self._practice is None:
            doc = await self.documents.read("practices", self.practice_id, self.practice_id)
            self._practice = Practice.model_validate(_strip(doc))
        return self._practice

    async def providers(self) -> list[Provider]:
        if self._providers is None:
            docs = await self._all("practices", {"kind": "provider"}, partition=self.practice_id)
            self._providers = sorted(
                (Provider.model_validate({**_strip(d), "id": d["provider_id"]}) for d in docs),
                key=lambda p: p.id,
            )
        return self._providers

    async def appointment_types(self) -> list[AppointmentType]:
        if self._types is None:
            docs = await self._all("practices", {"kind": "appointment_type"}, partition=self.practice_id)
            self._types = sorted(
                (AppointmentType.model_validate({**_strip(d), "id": d["type_id"]}) for d in docs),
                key=lambda t: t.id,
            )
        return self._types

    async def provider(self, provider_id: str) -> Provider:
        for provider in await self.providers():
            if provider.id == provider_id:
                return provider
        raise NotFound("no such provider")

    async def appointment_type(self, type_id: str) -> AppointmentType:
        for kind in await self.appointment_types():
            if kind.id == type_id:
                return kind
        raise NotFound("no such appointment type")

    # --- patients ------------------------------------------------------------------------------
    async def patient(self, patient_id: str) -> Patient:
        """A patient of this practice; another practice's patient is ``NotFound``."""
        try:
            doc = await self.documents.read("patients", patient_id, patient_id)
        except NotFound:
            raise NotFound("no such patient") from None
        if doc.get("practice_id") != self.practice_id:
            raise NotFound("no such patient")
        return Patient.model_validate(_strip(doc) | {"id": doc["patient_id"]})

    async def patients_born_on(self, dob: date) -> list[Patient]:
        # "kind" too, so the store can use its (practice_id, kind, dob) index (``containers.py``).
        where = {"practice_id": self.practice_id, "kind": "patient", "dob": dob.isoformat()}
        docs = await self._all("patients", where)
        return [Patient.model_validate(_strip(d) | {"id": d["patient_id"]}) for d in docs]

    async def put_patient(self, patient: Patient) -> None:
        await self.documents.upsert("patients", self.patient_document(patient))

    def patient_document(self, patient: Patient) -> Document:
        body = patient.model_dump(mode="json")
        body.pop("id")
        return {
            **body,
            "id": patient.id,
            "patient_id": patient.id,
            "practice_id": self.practice_id,
            "kind": "patient",
            "first_name_lc": patient.first_name.lower(),
            "last_name_lc": patient.last_name.lower(),
        }

    # --- appointments ----------------------------------------------------------------------------
    async def appointment(self, appointment_id: str) -> Appointment:
        try:
            doc = await self.documents.read("appointments", appointment_id, self.practice_id)
        except NotFound:
            raise NotFound("no such appointment") from None
        if doc.get("kind") != "appointment":
            raise NotFound("no such appointment")
        return self.appointment_from(doc)

    async def appointment_doc(self, appointment_id: str) -> Document:
        doc = await self.documents.read("appointments", appointment_id, self.practice_id)
        if doc.get("kind") != "appointment":
            raise NotFound("no such appointment")
        return doc

    async def appointments(
        self,
        *,
        patient_id: str | None = None,
        provider_id: str | None = None,
        after: datetime | None = None,
        before: datetime | None = None,
        statuses: Iterable[str] | None = ACTIVE,
    ) -> list[Appointment]:
        """Appointments starting in [after, before), earliest first; ``statuses=None`` means any."""
        where: dict[str, Any] = {"kind": "appointment"}
        if patient_id is not None:
            where["patient_id"] = patient_id
        if provider_id is not None:
            where["provider_id"] = provider_id
        if after is not None or before is not None:
            where["start_utc"] = Range(
                gte=utc_key(after) if after else None, lt=utc_key(before) if before else None
            )
        if statuses is not None:
            where["status"] = AnyOf(tuple(statuses))
        docs = await self._all("appointments", where, partition=self.practice_id, order_by="start_utc")
        return [self.appointment_from(d) for d in docs]

    async def busy(self, after: datetime, before: datetime) -> dict[str, list[tuple[datetime, datetime]]]:
        """Booked intervals per provider overlapping [after, before)."""
        span = await self.appointments(after=after - timedelta(hours=12), before=before)
        types = {t.id: t.minutes for t in await self.appointment_types()}
        out: dict[str, list[tuple[datetime, datetime]]] = {}
        for appt in span:
            end = appt.start + timedelta(minutes=types.get(appt.type, 0))
            out.setdefault(appt.provider_id, []).append((appt.start, end))
        return out

    def appointment_from(self, doc: Document) -> Appointment:
        return Appointment.model_validate(
            {
                k: v
                for k, v in _strip(doc).items()
                if k not in {"start_utc", "end_utc", "minutes", "idempotency_key"}
            }
        )

    def appointment_document(self, appt: Appointment, minutes: int, zone: ZoneInfo, **extra: Any) -> Document:
        start = appt.start.astimezone(zone)
        body = appt.model_dump(mode="json")
        return {
            **body,
            **extra,
            "start": start.isoformat(),
            "practice_id": self.practice_id,
            "kind": "appointment",
            "minutes": minutes,
            "start_utc": utc_key(start),
            "end_utc": utc_key(start + timedelta(minutes=minutes)),
        }

    # --- helpers ----------------------------------------------------------------------------------
    async def _all(
        self,
        container: str,
        where: dict[str, Any],
        *,
        partition: str | None = None,
        order_by: str | None = None,
    ) -> list[Document]:
        items: list[Document] = []
        continuation: str | None = None
        while True:
            page = await self.documents.query(
                container,
                Query(where=where, partition_key=partition, order_by=order_by, continuation=continuation),
            )
            items.extend(page.items)
            continuation = page.continuation
            if not continuation:
                return items


async def seed_practice(documents: DocumentStore, data: PracticeFile) -> dict[str, int]:
    """Write a whole practice file (upserts, so running it twice changes nothing). Returns counts."""
    from reddytalk.practice.booking import hold_documents

    pid = data.practice.id
    repo = PracticeRepository(documents, pid)
    practice = data.practice.model_dump(mode="json")
    await documents.upsert("practices", {**practice, "practice_id": pid, "kind": "practice"})
    for provider in data.providers:
        body = provider.model_dump(mode="json")
        await documents.upsert(
            "practices",
            {
                **body,
                "id": f"provider:{provider.id}",
                "provider_id": provider.id,
                "practice_id": pid,
                "kind": "provider",
            },
        )
    for kind in data.appointment_types:
        body = kind.model_dump(mode="json")
        await documents.upsert(
            "practices",
            {
                **body,
                "id": f"type:{kind.id}",
                "type_id": kind.id,
                "practice_id": pid,
                "kind": "appointment_type",
            },
        )
    for patient in data.patients:
        await repo.put_patient(patient)
    minutes = {t.id: t.minutes for t in data.appointment_types}
    zone = data.practice.zone
    for appt in data.appointments:
        await documents.upsert("appointments", repo.appointment_document(appt, minutes[appt.type], zone))
        if appt.status == "booked":
            for hold in hold_documents(pid, appt.provider_id, appt.start, minutes[appt.type], appt.id):
                await documents.upsert("appointments", hold)
    return {
        "providers": len(data.providers),
        "appointment_types": len(data.appointment_types),
        "patients": len(data.patients),
        "appointments": len(data.appointments),
    }
