"""Patient records for staff, scoped to the caller's practice and audited on every access.

Documents are the practice domain's patient documents (``PracticeRepository.patient_document``),
so the receptionist agent and staff see the same records; this module adds what staff need:
ETag-checked updates, soft delete (``deleted_at``; deleted records are invisible here) and search.
A patient of another practice is indistinguishable from a missing one (404), and is audited as a
denied read.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from typing import Any

from reddytalk.audit import AuditLog
from reddytalk.audit_refs import audit_ref
from reddytalk.auth.rbac import Principal
from reddytalk.errors import NotFound, PreconditionFailed
from reddytalk.patients.models import (
    PatientCreate,
    PatientOut,
    PatientPage,
    PatientSearch,
    PatientSummary,
    PatientUpdate,
)
from reddytalk.practice.models import Patient
from reddytalk.practice.repository import PracticeRepository
from reddytalk.stores.documents.base import Document, DocumentStore, Prefix, Query

CONTAINER = "patients"
PURPOSE = "treatment"  # staff work on the patient's care and scheduling


def bare_etag(value: str) -> str:
    """An ETag without its quotes (stores and clients differ in whether they quote it)."""
    value = value.strip()
    if value.startswith("W/"):
        value = value[2:]
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value


def patient_out(doc: Document) -> PatientOut:
    return PatientOut(
        id=doc["patient_id"],
        first_name=doc["first_name"],
        last_name=doc["last_name"],
        dob=doc["dob"],
        phone=doc["phone"],
        email=doc.get("email"),
        created_at=doc.get("created_at") or "",
        updated_at=doc.get("updated_at") or "",
        etag=bare_etag(doc["_etag"]),
    )


def _summary(doc: Document) -> PatientSummary:
    return PatientSummary(
        id=doc["patient_id"],
        first_name=doc["first_name"],
        last_name=doc["last_name"],
        birth_year=int(str(doc["dob"])[:4]),
        phone_last4=str(doc["phone"])[-4:],
    )


class PatientRecords:
    def __init__(
        self, documents: DocumentStore, audit: AuditLog, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._docs = documents
        self._audit = audit
        self._clock = clock

    async def create(self, who: Principal, body: PatientCreate, request_id: str | None) -> PatientOut:
        return await self._create(who.practice_id, who.actor_id, who.user_id, body, request_id)

    async def register(
        self,
        practice_id: str,
        body: PatientCreate,
        *,
        actor_id: str,
        insurance: str | None = None,
        idempotency_key: str | None = None,
    ) -> PatientOut:
        """A new patient registered by the receptionist over the phone (``actor_id`` ``agent:<session>``).

        The same ``idempotency_key`` returns the record the first call created (a retried turn).
        """
        if idempotency_key:
            patient_id = "pat-" + hashlib.sha256(f"{practice_id}|{idempotency_key}".encode()).hexdigest()[:32]
            try:
                existing = await self._docs.read(CONTAINER, patient_id, patient_id)
            except NotFound:
                existing = None
            if existing is not None and existing.get("practice_id") == practice_id:
                return patient_out(existing)
        else:
            patient_id = None
        extra = {"insurance": insurance[:100]} if insurance else {}
        return await self._create(practice_id, actor_id, actor_id, body, None, patient_id, extra)

    async def _create(
        self,
        practice_id: str,
        actor_id: str,
        created_by: str,
        body: PatientCreate,
        request_id: str | None,
        patient_id: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> PatientOut:
        patient_id = patient_id or "pat-" + uuid.uuid4().hex
        patient = Patient(
            id=patient_id,
            first_name=body.first_name,
            last_name=body.last_name,
            dob=body.dob,
            phone=body.phone,
        )
        doc = PracticeRepository(self._docs, practice_id).patient_document(patient)
        now = self._now()
        doc.update(email=body.email, created_at=now, updated_at=now, created_by=created_by, deleted_at=None)
        doc.update(extra or {})
        created = await self._docs.create(CONTAINER, doc)
        await self._audit.record(
            actor_id=actor_id,
            practice_id=practice_id,
            action="create",
            resource_type="patient",
            resource_id=patient_id,
            purpose=PURPOSE,
            outcome="success",
            request_id=request_id,
        )
        return patient_out(created)

    async def get(self, who: Principal, patient_id: str, request_id: str | None) -> PatientOut:
        doc = await self._load(who, patient_id, "read", request_id)
        await self._record(who, "read", patient_id, "success", request_id)
        return patient_out(doc)

    async def update(
        self, who: Principal, patient_id: str, body: PatientUpdate, if_match: str, request_id: str | None
    ) -> PatientOut:
        doc = await self._load(who, patient_id, "update", request_id)
        if bare_etag(doc["_etag"]) != bare_etag(if_match):
            await self._record(who, "update", patient_id, "conflict", request_id)
            raise PreconditionFailed("the patient record changed since it was read; reload and retry")
        changes = body.model_dump(mode="json", exclude_unset=True)
        updated = {k: v for k, v in doc.items() if not k.startswith("_")} | changes
        updated["first_name_lc"] = updated["first_name"].lower()
        updated["last_name_lc"] = updated["last_name"].lower()
        updated["updated_at"] = self._now()
        updated["updated_by"] = who.user_id
        try:
            saved = await self._docs.replace(CONTAINER, updated, etag=doc["_etag"])
        except PreconditionFailed:
            await self._record(who, "update", patient_id, "conflict", request_id)
            raise
        await self._record(who, "update", patient_id, "success", request_id)
        return patient_out(saved)

    async def delete(
        self, who: Principal, patient_id: str, if_match: str | None, request_id: str | None
    ) -> None:
        """Soft delete: the record stays for retention and audit, but no staff route shows it."""
        doc = await self._load(who, patient_id, "delete", request_id)
        if if_match is not None and bare_etag(doc["_etag"]) != bare_etag(if_match):
            await self._record(who, "delete", patient_id, "conflict", request_id)
            raise PreconditionFailed("the patient record changed since it was read; reload and retry")
        deleted = {k: v for k, v in doc.items() if not k.startswith("_")}
        deleted.update(deleted_at=self._now(), deleted_by=who.user_id)
        await self._docs.replace(CONTAINER, deleted, etag=doc["_etag"])
        await self._record(who, "delete", patient_id, "success", request_id)

    async def search(self, who: Principal, criteria: PatientSearch, request_id: str | None) -> PatientPage:
        where: dict[str, Any] = {"practice_id": who.practice_id, "kind": "patient"}
        if criteria.name is not None:
            where["last_name_lc"] = Prefix(criteria.name.strip().lower())
        if criteria.dob is not None:
            where["dob"] = criteria.dob.isoformat()
        if criteria.phone is not None:
            where["phone"] = criteria.phone
        page = await self._docs.query(
            CONTAINER,
            Query(
                where=where,
                order_by="last_name_lc",
                limit=criteria.page_size,
                continuation=criteria.continuation,
            ),
        )
        await self._record(who, "search", "patients", "success", request_id, resource_type="patient_list")
        # Soft-deleted records are dropped after the query (records seeded elsewhere have no
        # ``deleted_at`` field, and the store matches null only when present), so a page may be short.
        visible = [d for d in page.items if not d.get("deleted_at")]
        return PatientPage(items=[_summary(d) for d in visible], continuation=page.continuation)

    async def _load(self, who: Principal, patient_id: str, action: str, request_id: str | None) -> Document:
        try:
            doc = await self._docs.read(CONTAINER, patient_id, patient_id)
        except NotFound:
            await self._record(who, action, patient_id, "not_found", request_id)
            raise NotFound("patient not found") from None
        if doc.get("practice_id") != who.practice_id:
            await self._record(who, action, patient_id, "denied", request_id)
            raise NotFound("patient not found")
        if doc.get("deleted_at"):
            await self._record(who, action, patient_id, "not_found", request_id)
            raise NotFound("patient not found")
        return doc

    async def _record(
        self,
        who: Principal,
        action: str,
        resource_id: str,
        outcome: str,
        request_id: str | None,
        *,
        resource_type: str = "patient",
    ) -> None:
        await self._audit.record(
            actor_id=who.actor_id,
            practice_id=who.practice_id,
            action=action,
            resource_type=resource_type,
            resource_id=audit_ref(resource_id),
            purpose=PURPOSE,
            outcome=outcome,
            request_id=request_id,
        )

    def _now(self) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self._clock()))
