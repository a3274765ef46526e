"""Staff inbox routes: list the practice's messages, mark one done, or put it back (undo).

The receptionist takes messages (``take_message`` tool); staff read them here. Every route is
scoped by the verified principal's practice and audited by ``MessageService``.
"""

from __future__ import annotations

import azure.functions as func

from api.deps import message_service
from api.guard import current_principal
from api.http import model_response, parse_query
from api.routes import endpoint
from reddytalk.messages.models import MessageFilter, MessageOut, MessagePage

bp = func.Blueprint()
TAGS = ("messages",)
NO_STORE = {"Cache-Control": "no-store"}


@endpoint(
    bp,
    "messages",
    "GET",
    access="staff",
    summary="List the practice's messages for staff (open or done, newest first, paginated by cursor)",
    query=MessageFilter,
    response=MessagePage,
    tags=TAGS,
)
async def messages_list(req: func.HttpRequest) -> func.HttpResponse:
    criteria = parse_query(req, MessageFilter)
    who = current_principal()
    page = await message_service().list(who.actor_id, who.practice_id, criteria)
    return model_response(page, 200, NO_STORE)


@endpoint(
    bp,
    "messages/{message_id}/done",
    "POST",
    access="staff",
    summary="Mark a message handled",
    response=MessageOut,
    tags=TAGS,
    resource_param="message_id",
)
async def messages_done(req: func.HttpRequest) -> func.HttpResponse:
    who = current_principal()
    out = await message_service().done(who.actor_id, who.practice_id, req.route_params["message_id"])
    return model_response(out, 200, NO_STORE)


@endpoint(
    bp,
    "messages/{message_id}/undo",
    "POST",
    access="staff",
    summary="Put a message marked done back in the inbox",
    response=MessageOut,
    tags=TAGS,
    resource_param="message_id",
)
async def messages_undo(req: func.HttpRequest) -> func.HttpResponse:
    who = current_principal()
    out = await message_service().undo(who.actor_id, who.practice_id, req.route_params["message_id"])
    return model_response(out, 200, NO_STORE)
