"""Patient routes for staff: create, get, search, update (``If-Match``), soft delete."""

from __future__ import annotations

import azure.functions as func

from api.deps import patient_records
from api.guard import current_principal
from api.http import model_response, parse_json, parse_query
from api.routes import Header, endpoint
from reddytalk.errors import PreconditionFailed
from reddytalk.logs import request_id_var
from reddytalk.patients.models import PatientCreate, PatientOut, PatientPage, PatientSearch, PatientUpdate

bp = func.Blueprint()
TAGS = ("patients",)


def _etag_headers(out: PatientOut) -> dict[str, str]:
    return {"ETag": f'"{out.etag}"', "Cache-Control": "no-store"}


def _if_match(req: func.HttpRequest, *, required: bool) -> str | None:
    value = (req.headers.get("if-match") or "").strip()
    if not value:
        if required:
            raise PreconditionFailed("send the record's ETag in If-Match")
        return None
    return value


@endpoint(
    bp,
    "patients",
    "POST",
    access="staff",
    summary="Create a patient record",
    request=PatientCreate,
    response=PatientOut,
    status=201,
    tags=TAGS,
)
async def patients_create(req: func.HttpRequest) -> func.HttpResponse:
    body = parse_json(req, PatientCreate)
    out = await patient_records().create(current_principal(), body, request_id_var.get())
    return model_response(out, 201, _etag_headers(out))


@endpoint(
    bp,
    "patients",
    "GET",
    access="staff",
    summary="Search patients by last-name prefix, date of birth and/or phone (paginated)",
    query=PatientSearch,
    response=PatientPage,
    tags=TAGS,
)
async def patients_search(req: func.HttpRequest) -> func.HttpResponse:
    criteria = parse_query(req, PatientSearch)
    page = await patient_records().search(current_principal(), criteria, request_id_var.get())
    return model_response(page, 200, {"Cache-Control": "no-store"})


@endpoint(
    bp,
    "patients/{patient_id}",
    "GET",
    access="staff",
    summary="Read one patient record",
    response=PatientOut,
    tags=TAGS,
    resource_param="patient_id",
)
async def patients_get(req: func.HttpRequest) -> func.HttpResponse:
    out = await patient_records().get(
        current_principal(), req.route_params["patient_id"], request_id_var.get()
    )
    return model_response(out, 200, _etag_headers(out))


@endpoint(
    bp,
    "patients/{patient_id}",
    "PATCH",
    access="staff",
    summary="Change fields of a patient record; If-Match must carry its current ETag",
    request=PatientUpdate,
    response=PatientOut,
    tags=TAGS,
    resource_param="patient_id",
    headers=(Header("If-Match", True, "The record's current ETag"),),
)
async def patients_update(req: func.HttpRequest) -> func.HttpResponse:
    body = parse_json(req, PatientUpdate)
    etag = _if_match(req, required=True)
    assert etag is not None
    out = await patient_records().update(
        current_principal(), req.route_params["patient_id"], body, etag, request_id_var.get()
    )
    return model_response(out, 200, _etag_headers(out))


@endpoint(
    bp,
    "patients/{patient_id}",
    "DELETE",
    access="staff",
    summary="Soft-delete a patient record (kept for retention, hidden from staff routes)",
    status=204,
    tags=TAGS,
    resource_param="patient_id",
    headers=(Header("If-Match", False, "Delete only if the record still has this ETag"),),
)
async def patients_delete(req: func.HttpRequest) -> func.HttpResponse:
    await patient_records().delete(
        current_principal(),
        req.route_params["patient_id"],
        _if_match(req, required=False),
        request_id_var.get(),
    )
    return func.HttpResponse(status_code=204, headers={"Cache-Control": "no-store"})
