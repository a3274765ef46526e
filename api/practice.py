"""The signed-in staff member's practice as the dashboard needs it: name, time zone, providers and
appointment types (to book and to lay out the day view). Reference data only, no PHI."""

from __future__ import annotations

import azure.functions as func
from pydantic import BaseModel

from api.deps import current_services
from api.guard import current_principal
from api.http import model_response
from api.routes import endpoint
from reddytalk.practice.repository import PracticeRepository

bp = func.Blueprint()


class ProviderOut(BaseModel):
    id: str
    name: str
    specialty: str


class AppointmentTypeOut(BaseModel):
    id: str
    name: str
    minutes: int


class PracticeOut(BaseModel):
    id: str
    name: str
    timezone: str
    providers: list[ProviderOut]
    appointment_types: list[AppointmentTypeOut]


@endpoint(
    bp,
    "practice",
    "GET",
    access="staff",
    summary="The caller's practice: name, time zone, providers and appointment types",
    response=PracticeOut,
    tags=("practice",),
)
async def practice_get(req: func.HttpRequest) -> func.HttpResponse:
    who = current_principal()
    repo = PracticeRepository(current_services().documents, who.practice_id)
    practice = await repo.practice()
    out = PracticeOut(
        id=practice.id,
        name=practice.name,
        timezone=practice.timezone,
        providers=[ProviderOut(id=p.id, name=p.name, specialty=p.specialty) for p in await repo.providers()],
        appointment_types=[
            AppointmentTypeOut(id=t.id, name=t.name, minutes=t.minutes)
            for t in await repo.appointment_types()
        ],
    )
    return model_response(out, 200, {"Cache-Control": "private, max-age=60"})
