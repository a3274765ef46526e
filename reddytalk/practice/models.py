"""Pydantic models of a practice file: what practices migrate their data into.

The required field names are fixed by the practice-file contract (``docs/practice-file.md``); extra
optional fields are allowed and kept, so a richer export loses nothing on the way in.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
IDENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

Ranges = list[tuple[str, str]]
WeeklyHours = dict[str, Ranges]

AppointmentStatus = Literal["booked", "cancelled", "completed", "no_show"]


def _check_ident(value: str) -> str:
    if not IDENT.match(value):
        raise ValueError("ids are 1-64 letters, digits, '_', '.', '-'")
    return value


def check_weekly(value: WeeklyHours) -> WeeklyHours:
    """Validate ``mon``..``sun`` → ``[["HH:MM", "HH:MM"], ...]``; missing days mean closed."""
    unknown = set(value) - set(WEEKDAYS)
    if unknown:
        raise ValueError(f"unknown weekday keys {sorted(unknown)}; use {', '.join(WEEKDAYS)}")
    for day, ranges in value.items():
        for start, end in ranges:
            if not HHMM.match(start) or not HHMM.match(end):
                raise ValueError(f"{day}: times must be HH:MM (24 h)")
            if start >= end:
                raise ValueError(f"{day}: range {start}-{end} ends before it starts")
    return {day: [(s, e) for s, e in value.get(day, [])] for day in WEEKDAYS}


def parse_hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)


class Practice(_Model):
    id: str
    name: str = Field(min_length=1, max_length=200)
    timezone: str
    phone: str
    address: str = Field(min_length=1, max_length=500)
    hours: WeeklyHours
    faq: dict[str, str] = Field(default_factory=dict)

    _id = field_validator("id")(_check_ident)
    _hours = field_validator("hours")(check_weekly)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r}") from None
        return value

    @field_validator("phone")
    @classmethod
    def _e164(cls, value: str) -> str:
        if not E164.match(value):
            raise ValueError("phone must be E.164, e.g. +15551234567")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Provider(_Model):
    id: str
    name: str = Field(min_length=1, max_length=200)
    specialty: str = Field(min_length=1, max_length=200)
    schedule: WeeklyHours

    _id = field_validator("id")(_check_ident)
    _schedule = field_validator("schedule")(check_weekly)


class AppointmentType(_Model):
    id: str
    name: str = Field(min_length=1, max_length=100)
    minutes: int = Field(ge=5, le=480)

    _id = field_validator("id")(_check_ident)


class Patient(_Model):
    id: str
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    dob: date
    phone: str

    _id = field_validator("id")(_check_ident)

    @field_validator("phone")
    @classmethod
    def _e164(cls, value: str) -> str:
        if not E164.match(value):
            raise ValueError("phone must be E.164, e.g. +15551234567")
        return value

    @field_validator("dob")
    @classmethod
    def _plausible(cls, value: date) -> date:
        if value.year < 1900:
            raise ValueError("date of birth before 1900")
        return value

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Appointment(_Model):
    id: str
    patient_id: str
    provider_id: str
    type: str
    start: datetime
    status: AppointmentStatus = "booked"

    _id = field_validator("id")(_check_ident)

    @field_validator("start")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("start needs a UTC offset, e.g. 2026-12-01T09:00:00-05:00")
        return value


class PracticeFile(_Model):
    """A whole practice as exchanged in JSON; cross-references are checked."""

    practice: Practice
    providers: list[Provider] = Field(min_length=1)
    appointment_types: list[AppointmentType] = Field(min_length=1)
    patients: list[Patient] = Field(default_factory=list)
    appointments: list[Appointment] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> PracticeFile:
        for kind, items in (
            ("provider", self.providers),
            ("appointment type", self.appointment_types),
            ("patient", self.patients),
            ("appointment", self.appointments),
        ):
            ids = [item.id for item in items]
            if len(ids) != len(set(ids)):
                raise ValueError(f"duplicate {kind} ids")
        providers = {p.id for p in self.providers}
        types = {t.id for t in self.appointment_types}
        patients = {p.id for p in self.patients}
        for appt in self.appointments:
            if appt.provider_id not in providers:
                raise ValueError(f"appointment {appt.id}: unknown provider_id")
            if appt.type not in types:
                raise ValueError(f"appointment {appt.id}: unknown type")
            if appt.patient_id not in patients:
                raise ValueError(f"appointment {appt.id}: unknown patient_id")
        return self
