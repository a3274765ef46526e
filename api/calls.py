"""Call records for staff: the dashboard's list, details, transcript and recording of calls, plus
SignalR negotiate for the dashboard (user = staff user, group = the practice's group). The negotiate
route is ``staff/negotiate`` so that a standard SignalR client given the hub URL ``/api/staff``
finds it (clients POST ``{hub url}/negotiate`` with the bearer token).

Every query is scoped by the practice in the verified token; another practice's call is a 404.
"""

from __future__ import annotations

import json
from typing import Any

import azure.durable_functions as df
import azure.functions as func
from pydantic import BaseModel, ConfigDict, Field

from api.deps import current_services
from api.guard import current_principal
from api.http import model_response, parse_query
from api.routes import endpoint
from api.voice import Negotiate
from reddytalk.calls import messages
from reddytalk.calls.contracts import ENTITY_NAME
from reddytalk.calls.staff import CallDetails, CallListQuery, CallPage, CallTranscript, StaffCalls

bp = df.Blueprint()
TAGS = ("calls",)
NO_STORE = {"Cache-Control": "no-store"}


def staff_calls() -> StaffCalls:
    services = current_services()
    return services.cached(
        "staff_calls",
        lambda: StaffCalls(
            services.documents, services.blobs, services.audit, services.settings.recordings_container
        ),
    )


def _entity_state(entity: Any) -> dict[str, Any] | None:
    state = entity.entity_state if entity.entity_exists else None
    state = json.loads(state) if isinstance(state, str) else state
    return state if isinstance(state, dict) else None


@endpoint(
    bp,
    "calls",
    "GET",
    access="staff",
    summary="The practice's calls, newest first (filter by status and start date; paginated)",
    query=CallListQuery,
    response=CallPage,
    tags=TAGS,
)
async def calls_list(req: func.HttpRequest) -> func.HttpResponse:
    page = await staff_calls().list(current_principal(), parse_query(req, CallListQuery))
    return model_response(page, 200, NO_STORE)


@bp.durable_client_input(client_name="client")
@endpoint(
    bp,
    "calls/{session_id}",
    "GET",
    access="staff",
    summary="One call: status, times, summary, metrics, and the live session state while active",
    response=CallDetails,
    tags=TAGS,
    resource_param="session_id",
)
async def calls_get(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    calls = staff_calls()
    who = current_principal()
    doc = await calls.session(who, req.route_params["session_id"], "call")
    live = None
    if doc.get("status") != "ended":
        live = _entity_state(await client.read_entity_state(df.EntityId(ENTITY_NAME, doc["id"])))
    return model_response(await calls.details(who, doc, live), 200, NO_STORE)


@endpoint(
    bp,
    "calls/{session_id}/transcript",
    "GET",
    access="staff",
    summary="The call's transcript (built from the turn records while the call is live)",
    response=CallTranscript,
    tags=TAGS,
    resource_param="session_id",
)
async def calls_transcript(req: func.HttpRequest) -> func.HttpResponse:
    out = await staff_calls().transcript(current_principal(), req.route_params["session_id"])
    return model_response(out, 200, NO_STORE)


@endpoint(
    bp,
    "calls/{session_id}/recording",
    "GET",
    access="staff",
    summary="The call's recording (stereo FLAC: caller left, receptionist right); 404 if none",
    tags=TAGS,
    resource_param="session_id",
    content_type="audio/flac",
)
async def calls_recording(req: func.HttpRequest) -> func.HttpResponse:
    data = await staff_calls().recording(current_principal(), req.route_params["session_id"])
    return func.HttpResponse(data, status_code=200, headers={"Content-Type": "audio/flac", **NO_STORE})


class StaffNegotiateQuery(BaseModel):
    """``session_id`` also joins that call's group, to watch its turns live (must be the practice's).

    ``negotiateVersion`` is what the official SignalR clients add to every negotiate request; the
    answer (a redirect to the service with a token) is the same for every version, so it is only
    checked to be a small number. Anything else is still refused.
    """

    model_config = ConfigDict(extra="forbid")

    session_id: str | None = Field(None, min_length=1, max_length=128)
    negotiate_version: int | None = Field(None, alias="negotiateVersion", ge=0, le=99)


@endpoint(
    bp,
    "staff/negotiate",
    "POST",
    access="staff",
    summary="SignalR connection info for a staff dashboard (user = staff user; groups = the practice, "
    "and the call named by session_id)",
    query=StaffNegotiateQuery,
    response=Negotiate,
    tags=("realtime",),
)
async def negotiate_staff(req: func.HttpRequest) -> func.HttpResponse:
    who = current_principal()
    query = parse_query(req, StaffNegotiateQuery)
    services = current_services()
    if query.session_id is not None:
        doc = await staff_calls().session(who, query.session_id, "call")
        await services.audit.record(
            actor_id=who.actor_id,
            practice_id=who.practice_id,
            action="watch",
            resource_type="call",
            resource_id=doc["id"],
            purpose="call_review",
            outcome="success",
        )
        await services.signalr.add_user_to_group(who.user_id, messages.session_group(doc["id"]))
    await services.signalr.add_user_to_group(who.user_id, messages.practice_group(who.practice_id))
    return model_response(Negotiate.model_validate(services.signalr.negotiate(who.user_id)), 200, NO_STORE)
