"""Human takeover routes: a staff member takes a live call, speaks on it, and hands it back.

``takeover`` and ``handback`` are staff routes (bearer token, the call must be the staff member's
practice's: another practice's call is a 404), audited as ``takeover`` / ``handback``. The
take-over answers with a ``staff_token`` for ``staff-audio`` (header ``X-Staff-Token``; stored only
as a hash on the session document), SignalR negotiate info for the staff member's user (which then
receives ``caller.audio`` and the call's ``turn.*`` messages), and the URLs to use. Hold state lives
on the session document and in the call orchestration, never in this process.
"""

from __future__ import annotations

import azure.durable_functions as df
import azure.functions as func
from pydantic import BaseModel, ConfigDict, Field

from api.calls import staff_calls
from api.deps import current_services
from api.durable_events import raise_event
from api.guard import current_principal
from api.http import json_endpoint, json_response, model_response, parse_query
from api.routes import Header, describe, endpoint
from api.voice import Negotiate
from reddytalk.calls import messages
from reddytalk.calls.contracts import EVENT_STAFF_HANDBACK, EVENT_STAFF_TAKEOVER, staff_event
from reddytalk.calls.takeover import Takeovers
from reddytalk.services import get_services

bp = df.Blueprint()
TAGS = ("calls",)
NO_STORE = {"Cache-Control": "no-store"}
STAFF_HEADER = "X-Staff-Token"


class TakeoverUrls(BaseModel):
    audio: str
    handback: str


class TakenOver(BaseModel):
    session_id: str
    staff_token: str
    negotiate: Negotiate
    urls: TakeoverUrls


class HandedBack(BaseModel):
    session_id: str
    status: str


class StaffChunkQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seq: int = Field(ge=0, le=10_000_000)


class StaffChunkAccepted(BaseModel):
    seq: int
    duplicate: bool


@bp.durable_client_input(client_name="client")
@endpoint(
    bp,
    "calls/{session_id}/takeover",
    "POST",
    access="staff",
    summary="Take over a live call: the receptionist falls silent, the caller hears you (409 if the call "
    "has ended or another staff member holds it)",
    response=TakenOver,
    tags=TAGS,
    resource_param="session_id",
)
async def calls_takeover(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    who = current_principal()
    services = current_services()
    doc = await staff_calls().session(who, req.route_params["session_id"], "call")
    takeovers = Takeovers(services)
    held, token, _new = await takeovers.claim(doc, who.user_id)
    await takeovers.audited(who.actor_id, who.practice_id, doc["id"], "takeover")
    # Raised again on a repeated request: harmless, each take-over has its own event name.
    await raise_event(
        client, doc["id"], staff_event(EVENT_STAFF_TAKEOVER, held.count), {"staff_id": who.user_id}
    )
    await services.signalr.add_user_to_group(who.user_id, messages.session_group(doc["id"]))
    base = f"{req.url.split('/api/')[0]}/api/calls/{doc['id']}"
    out = TakenOver(
        session_id=doc["id"],
        staff_token=token,
        negotiate=Negotiate.model_validate(services.signalr.negotiate(who.user_id)),
        urls=TakeoverUrls(audio=f"{base}/staff-audio", handback=f"{base}/handback"),
    )
    return model_response(out, 200, NO_STORE)


@bp.durable_client_input(client_name="client")
@endpoint(
    bp,
    "calls/{session_id}/handback",
    "POST",
    access="staff",
    summary="Hand a call you hold back to the receptionist (409 if you do not hold it)",
    response=HandedBack,
    tags=TAGS,
    resource_param="session_id",
)
async def calls_handback(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    who = current_principal()
    services = current_services()
    doc = await staff_calls().session(who, req.route_params["session_id"], "call")
    takeovers = Takeovers(services)
    released = await takeovers.release(doc, who.user_id)
    await takeovers.audited(who.actor_id, who.practice_id, doc["id"], "handback")
    await raise_event(client, doc["id"], staff_event(EVENT_STAFF_HANDBACK, released.count), {})
    return model_response(HandedBack(session_id=doc["id"], status="handed_back"), 200, NO_STORE)


@describe(
    "calls/{session_id}/staff-audio",
    "POST",
    access="signed",
    summary="The staff member's voice on a call they hold: raw PCM16 16 kHz mono, at most 200 ms per "
    "chunk, idempotent per seq",
    query=StaffChunkQuery,
    response=StaffChunkAccepted,
    status=202,
    tags=TAGS,
    headers=(Header(STAFF_HEADER, required=True, description="The staff token the take-over returned."),),
)
@bp.route(route="calls/{session_id}/staff-audio", methods=["POST"])
@json_endpoint
async def calls_staff_audio(req: func.HttpRequest) -> func.HttpResponse:
    takeovers = Takeovers(get_services())
    doc, held = await takeovers.staff_session(req.route_params["session_id"], req.headers.get(STAFF_HEADER))
    seq = parse_query(req, StaffChunkQuery).seq
    relayed = await takeovers.staff_audio(doc, held, seq, req.get_body())
    return json_response({"seq": seq, "duplicate": not relayed}, status=202)
