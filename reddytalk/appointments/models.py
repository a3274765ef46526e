"""Appointment request/response bodies of the staff API (the OpenAPI document is generated from them)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

Ident = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")]
# Ids that end up in audit entries (letter first, as ``reddytalk.audit`` requires).
AuditedId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z][A-Za-z0-9_.:-]{0,63}$")]


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("start needs a UTC offset, e.g. 2026-12-01T09:00:00-05:00")
    if not 2000 <= value.year <= 2100:
        raise ValueError("start is out of range")
    return value


Start = Annotated[datetime, AfterValidator(_aware)]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AppointmentCreate(_Request):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "patient_id": "pt-1001",
                    "provider_id": "dr-patel",
                    "type_id": "follow-up",
                    "start": "2030-01-07T10:00:00-05:00",
                }
            ]
        }
    )

    patient_id: Ident
    provider_id: Ident
    type_id: Ident
    start: Start


class AppointmentMove(_Request):
    model_config = ConfigDict(json_schema_extra={"examples": [{"start": "2030-01-07T11:00:00-05:00"}]})

    start: Start
    provider_id: Ident | None = None


class AppointmentFilter(_Request):
    """List by local day (practice time zone), provider and/or patient; cancelled ones on request."""

    day: date | None = None
    provider_id: Ident | None = None
    patient_id: AuditedId | None = None
    include_cancelled: bool = False


class AppointmentOut(BaseModel):
    id: str
    patient_id: str
    provider_id: str
    type: str
    start: datetime
    status: str


class AppointmentList(BaseModel):
    items: list[AppointmentOut]
