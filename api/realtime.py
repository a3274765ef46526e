"""SignalR negotiate: connection info for a caller's client (and, with a staff token, the dashboard).

Both the official JavaScript client and ``pysignalr`` POST ``{base}/negotiate`` and expect
``{"url", "accessToken"}`` as JSON. A caller identifies with ``X-Session-Token`` and the session id
(query ``session_id`` or JSON body); the user id in the token is the session id, and that user is in
the session's group, so every turn message reaches it.
"""

from __future__ import annotations

import json

import azure.functions as func
from pydantic import BaseModel

from api.callers import HEADER, authorized_session
from api.http import MAX_JSON_BYTES, json_endpoint, json_response
from api.routes import describe
from api.voice import SESSION_TOKEN, Negotiate
from api.wire import check_depth
from reddytalk.calls import messages
from reddytalk.errors import PayloadTooLarge, ValidationFailed
from reddytalk.services import get_services

bp = func.Blueprint()


class NegotiateQuery(BaseModel):
    session_id: str | None = None


@describe(
    "negotiate",
    "POST",
    access="signed",
    summary="SignalR connection info for a caller's client (user = session, group = session)",
    query=NegotiateQuery,
    response=Negotiate,
    tags=("realtime",),
    headers=(SESSION_TOKEN,),
)
@bp.route(route="negotiate", methods=["POST"])
@json_endpoint
async def negotiate(req: func.HttpRequest) -> func.HttpResponse:
    services = get_services()
    session_id = req.params.get("session_id")
    body = req.get_body()
    if not session_id and body:
        if len(body) > MAX_JSON_BYTES:
            raise PayloadTooLarge(f"body is larger than {MAX_JSON_BYTES} bytes")
        check_depth(body)
        try:
            session_id = json.loads(body).get("session_id")
        except (ValueError, AttributeError, RecursionError):
            raise ValidationFailed("body must be a JSON object with session_id") from None
    if not isinstance(session_id, str) or not session_id:
        raise ValidationFailed("session_id is required")
    session = await authorized_session(services, session_id, req.headers.get(HEADER))
    await services.signalr.add_user_to_group(session["id"], messages.session_group(session["id"]))
    return json_response(services.signalr.negotiate(session["id"]))
