"""Patient request/response bodies of the staff API (the OpenAPI document is generated from them).

Requests forbid unknown fields: ids, ``practice_id``, timestamps and deletion state are set by the
server only. Search results show only what a list needs (minimum necessary: masked phone, birth
year); the full record is one audited ``GET`` away.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from reddytalk.auth.models import E164_PATTERN, Email

MAX_PAGE_SIZE = 100
Name = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f]+$")]
Phone = Annotated[str, Field(pattern=E164_PATTERN, max_length=16)]


def _plausible_dob(value: date) -> date:
    if value.year < 1900:
        raise ValueError("date of birth must be after 1900")
    if value >= date.today():
        raise ValueError("date of birth must be in the past")
    return value


DateOfBirth = Annotated[date, AfterValidator(_plausible_dob)]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PatientCreate(_Request):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"first_name": "Ana", "last_name": "Silva", "dob": "1980-05-17", "phone": "+15555550123"}
            ]
        }
    )

    first_name: Name
    last_name: Name
    dob: DateOfBirth
    phone: Phone
    email: Email | None = None


class PatientUpdate(_Request):
    """Only the fields present change; send the record's ETag in ``If-Match``."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"phone": "+15555550124"}]})

    first_name: Name | None = None
    last_name: Name | None = None
    dob: DateOfBirth | None = None
    phone: Phone | None = None
    email: Email | None = None

    @model_validator(mode="after")
    def _something(self) -> PatientUpdate:
        if not self.model_fields_set:
            raise ValueError("nothing to update")
        for name in ("first_name", "last_name", "dob", "phone"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be removed")
        return self


class PatientSearch(_Request):
    """At least one criterion; ``name`` matches the start of the last or first name."""

    name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    dob: date | None = None
    phone: Phone | None = None
    page_size: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = 25
    continuation: Annotated[str, Field(max_length=2000)] | None = None

    @model_validator(mode="after")
    def _criterion(self) -> PatientSearch:
        if self.name is None and self.dob is None and self.phone is None:
            raise ValueError("give at least one of name, dob, phone")
        return self


class PatientOut(BaseModel):
    id: str
    first_name: str
    last_name: str
    dob: date
    phone: str
    email: str | None = None
    created_at: str
    updated_at: str
    etag: str


class PatientSummary(BaseModel):
    id: str
    first_name: str
    last_name: str
    birth_year: int
    phone_last4: str


class PatientPage(BaseModel):
    items: list[PatientSummary]
    continuation: str | None = None
