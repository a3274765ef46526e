"""Appointment routes for staff: list, read, book, move, cancel — all through ``booking.py``.

Writes take an optional ``Idempotency-Key`` header (1-200 characters): a retried request with the
same key returns the first result instead of booking twice, exactly like the receptionist's tools.
"""

from __future__ import annotations

import uuid

import azure.functions as func

from api.deps import staff_appointments
from api.guard import current_principal
from api.http import model_response, parse_json, parse_query
from api.routes import Header, endpoint
from reddytalk.appointments.models import (
    AppointmentCreate,
    AppointmentFilter,
    AppointmentList,
    AppointmentMove,
    AppointmentOut,
)
from reddytalk.errors import ValidationFailed
from reddytalk.logs import request_id_var

bp = func.Blueprint()
TAGS = ("appointments",)
IDEMPOTENCY = (Header("Idempotency-Key", False, "Retry-safe key: the same key returns the first result"),)


def _idempotency_key(req: func.HttpRequest, operation: str) -> str:
    key = (req.headers.get("idempotency-key") or "").strip()
    if not key:
        return f"{operation}:{uuid.uuid4().hex}"
    if len(key) > 200:
        raise ValidationFailed("Idempotency-Key is longer than 200 characters")
    return f"staff:{operation}:{key}"


@endpoint(
    bp,
    "appointments",
    "GET",
    access="staff",
    summary="List appointments by local day, provider and/or patient",
    query=AppointmentFilter,
    response=AppointmentList,
    tags=TAGS,
)
async def appointments_list(req: func.HttpRequest) -> func.HttpResponse:
    criteria = parse_query(req, AppointmentFilter)
    found = await staff_appointments().list(current_principal(), criteria)
    return model_response(found)


@endpoint(
    bp,
    "appointments",
    "POST",
    access="staff",
    summary="Book an appointment (same rules as the receptionist's booking tool)",
    request=AppointmentCreate,
    response=AppointmentOut,
    status=201,
    tags=TAGS,
    headers=IDEMPOTENCY,
)
async def appointments_create(req: func.HttpRequest) -> func.HttpResponse:
    body = parse_json(req, AppointmentCreate)
    out = await staff_appointments().create(current_principal(), body, _idempotency_key(req, "book"))
    return model_response(out, 201)


@endpoint(
    bp,
    "appointments/{appointment_id}",
    "GET",
    access="staff",
    summary="Read one appointment",
    response=AppointmentOut,
    tags=TAGS,
    resource_param="appointment_id",
)
async def appointments_get(req: func.HttpRequest) -> func.HttpResponse:
    out = await staff_appointments().get(
        current_principal(), req.route_params["appointment_id"], request_id_var.get()
    )
    return model_response(out)


@endpoint(
    bp,
    "appointments/{appointment_id}/move",
    "POST",
    access="staff",
    summary="Move an appointment to another time (and optionally another provider)",
    request=AppointmentMove,
    response=AppointmentOut,
    tags=TAGS,
    resource_param="appointment_id",
    headers=IDEMPOTENCY,
)
async def appointments_move(req: func.HttpRequest) -> func.HttpResponse:
    body = parse_json(req, AppointmentMove)
    out = await staff_appointments().move(
        current_principal(), req.route_params["appointment_id"], body, _idempotency_key(req, "move")
    )
    return model_response(out)


@endpoint(
    bp,
    "appointments/{appointment_id}/cancel",
    "POST",
    access="staff",
    summary="Cancel an appointment (cancelling twice is harmless)",
    response=AppointmentOut,
    tags=TAGS,
    resource_param="appointment_id",
    headers=IDEMPOTENCY,
)
async def appointments_cancel(req: func.HttpRequest) -> func.HttpResponse:
    out = await staff_appointments().cancel(
        current_principal(), req.route_params["appointment_id"], _idempotency_key(req, "cancel")
    )
    return model_response(out)
