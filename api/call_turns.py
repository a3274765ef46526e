"""Per-turn facts of a call for the dashboard's latency waterfall: timings, tools used, flags.

Kept apart from ``api/calls.py`` so the call detail page can draw the waterfall (end of turn, STT,
agent, first audio) for finished calls as well as live ones. Only ids, tool names and numbers leave
here (no words: those are in the transcript route); the read is audited like the transcript's.
"""

from __future__ import annotations

import azure.functions as func
from pydantic import BaseModel

from api.calls import NO_STORE, staff_calls
from api.deps import current_services
from api.guard import current_principal
from api.http import model_response
from api.routes import endpoint
from reddytalk.audit_refs import audit_ref
from reddytalk.calls.contracts import TurnTimings, TurnUsage
from reddytalk.calls.records import CallRecords

bp = func.Blueprint()


class TurnFacts(BaseModel):
    turn: int
    timings: TurnTimings
    tools: list[str]
    flags: list[str]
    interrupted: bool
    usage: TurnUsage


class CallTurns(BaseModel):
    session_id: str
    turns: list[TurnFacts]


@endpoint(
    bp,
    "calls/{session_id}/turns",
    "GET",
    access="staff",
    summary="Per-turn timings, tools and flags of a call (the dashboard's latency waterfall)",
    response=CallTurns,
    tags=("calls",),
    resource_param="session_id",
)
async def calls_turns(req: func.HttpRequest) -> func.HttpResponse:
    who = current_principal()
    services = current_services()
    doc = await staff_calls().session(who, req.route_params["session_id"], "call_turns")
    records = await CallRecords(services.documents).turns(doc["id"])
    await services.audit.record(
        actor_id=who.actor_id,
        practice_id=who.practice_id,
        action="read",
        resource_type="call_turns",
        resource_id=audit_ref(doc["id"]),
        purpose="call_review",
        outcome="success",
    )
    turns = [
        TurnFacts(
            turn=r.turn,
            timings=r.timings,
            tools=[c.name for c in r.tool_calls],
            flags=sorted(k for k, v in r.flags.items() if v),
            interrupted=r.interrupted,
            usage=r.usage,
        )
        for r in sorted(records, key=lambda r: r.turn)
    ]
    return model_response(CallTurns(session_id=doc["id"], turns=turns), 200, NO_STORE)
