"""The voice API: start a call, stream caller audio, barge in, hang up, read a call's state.

Callers authenticate each request after the start with the session token the start returned
(``X-Session-Token``); the token is stored only as a hash and is never handed out again: a start
that repeats a ``call_id`` gets 409 unless it carries that call's token. Web starts are anonymous
(limited per client address and per practice, see ``reddytalk.calls.admission``); phone starts come
from the telephony integration and carry its key (``X-Telephony-Key``). Audio chunks are sent either raw
(``Content-Type: application/octet-stream`` with ``?seq=N``) or as JSON ``{"seq", "data" (base64),
"final"}``; ``final=true`` marks a whole utterance from a client that runs its own VAD.
See ``docs/voice-api.md``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import secrets
from typing import Any, Literal

import azure.durable_functions as df
import azure.functions as func
from pydantic import BaseModel, ConfigDict, Field

from api.callers import HEADER, authorized_session, token_hash
from api.durable_events import raise_event
from api.guard import client_address
from api.http import json_endpoint, json_response, parse_json, parse_query
from api.routes import Header, describe
from reddytalk.calls import messages
from reddytalk.calls.admission import CallAdmission, session_id, session_id_key
from reddytalk.calls.contracts import ENTITY_NAME, EVENT_CLIENT_READY, EVENT_HANGUP, Call, utterance_event
from reddytalk.calls.ingest import get_ingest
from reddytalk.calls.records import CallRecords
from reddytalk.errors import Conflict, NotFound, PayloadTooLarge, Unauthorized, ValidationFailed
from reddytalk.services import Services, get_services
from reddytalk.stores.documents.base import Document, Query

bp = df.Blueprint()


class StartCall(BaseModel):
    model_config = ConfigDict(extra="forbid")

    practice_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    channel: Literal["web", "phone"] = "web"
    audio_format: Literal["pcm16/16000", "mulaw/8000"] = "pcm16/16000"
    recording_consent: bool = False
    call_id: str | None = Field(None, min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")


class Negotiate(BaseModel):
    url: str
    accessToken: str


class CallUrls(BaseModel):
    audio: str
    interrupt: str
    end: str
    status: str


class CallStarted(BaseModel):
    session_id: str
    session_token: str
    negotiate: Negotiate
    urls: CallUrls


class ChunkQuery(BaseModel):
    seq: int = Field(ge=0, le=10_000_000)
    final: bool = False


class ChunkAccepted(BaseModel):
    seq: int
    duplicate: bool
    utterances: int


class CallChanged(BaseModel):
    session_id: str
    status: str | None = None
    interrupted_turn: int | None = None


class CallState(BaseModel):
    session: dict[str, Any]
    state: dict[str, Any] | None
    orchestration: dict[str, Any]


SESSION_TOKEN = Header(HEADER, required=True, description="The session token returned when the call started.")
TELEPHONY_HEADER = "x-telephony-key"
START_HEADERS = (
    Header("X-Telephony-Key", False, "The telephony integration's key: required for channel phone."),
    Header(HEADER, False, "A repeated call_id is answered only to the holder of that call's token."),
)
TAGS = ("voice",)


class AudioChunk(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seq: int = Field(ge=0, le=10_000_000)
    data: str = Field(max_length=2_000_000)
    final: bool = False


async def _practice_exists(services: Services, practice_id: str) -> bool:
    page = await services.documents.query("practices", Query(where={"practice_id": practice_id}, limit=1))
    return bool(page.items)


async def _session(req: func.HttpRequest, services: Services) -> Document:
    return await authorized_session(services, req.route_params.get("session_id", ""), req.headers.get(HEADER))


def _public(session: Document) -> dict[str, Any]:
    hidden = {"token_hash", "user_id", "_etag", "_ts"}
    return {k: v for k, v in session.items() if k not in hidden}


def _entity_state(entity: Any) -> Any:
    state = entity.entity_state if entity.entity_exists else None
    return json.loads(state) if isinstance(state, str) else state


async def _admit(req: func.HttpRequest, body: StartCall, services: Services) -> None:
    """Phone starts carry the telephony key; anonymous web starts are limited per address and practice."""
    settings = services.settings
    if body.channel == "phone":
        presented = req.headers.get(TELEPHONY_HEADER) or ""
        if not hmac.compare_digest(presented.encode(), settings.telephony_key.get_secret_value().encode()):
            raise Unauthorized("phone calls are started by the telephony integration (X-Telephony-Key)")
        return
    admission = CallAdmission(services.documents)
    address = client_address(req, settings.trusted_proxy_hops)
    if address is not None:
        await admission.count_start(address, settings.web_call_starts_per_minute)
    await admission.check_capacity(body.practice_id, settings.max_concurrent_calls)


async def _repeat(req: func.HttpRequest, records: CallRecords, practice_id: str, sid: str) -> str | None:
    """For a call id already started: the caller's own token back if it holds it; otherwise 409.
    None when there is no such session yet."""
    try:
        existing = await records.session(practice_id, sid)
    except NotFound:
        return None
    presented = req.headers.get(HEADER) or ""
    if presented and hmac.compare_digest(str(existing.get("token_hash", "")), token_hash(presented)):
        return presented
    raise Conflict("a call with this call_id has already started")


@describe(
    "voice/sessions",
    "POST",
    access="public",
    summary="Start a call (a repeated call_id answers only the holder of its token; otherwise 409)",
    request=StartCall,
    response=CallStarted,
    status=201,
    tags=TAGS,
    headers=START_HEADERS,
    errors=(401, 409, 429),
)
@bp.route(route="voice/sessions", methods=["POST"])
@bp.durable_client_input(client_name="client")
@json_endpoint
async def start_call(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    body = parse_json(req, StartCall)
    services = get_services()
    settings = services.settings
    if not await _practice_exists(services, body.practice_id):
        raise NotFound("no such practice")
    key = session_id_key(settings.jwt_secret.get_secret_value())
    sid = session_id(key, body.practice_id, body.channel, body.call_id)
    records = CallRecords(services.documents)
    call = Call(
        session_id=sid,
        practice_id=body.practice_id,
        channel=body.channel,
        audio_format=body.audio_format,
        recording_consent=body.recording_consent,
        turn_mode=settings.turn_mode,
        idle_timeout_seconds=settings.idle_timeout_seconds,
        turns_per_episode=settings.turns_per_episode,
    )
    token = await _repeat(req, records, body.practice_id, sid) if body.call_id else None
    status = 200
    if token is None:
        await _admit(req, body, services)
        services.warm_up()
        token = secrets.token_urlsafe(32)
        try:
            await records.create_session(call, call_id=body.call_id, token_hash=token_hash(token))
            status = 201
        except Conflict:  # a concurrent start with the same call id won the race
            token = await _repeat(req, records, body.practice_id, sid)
            if token is None:
                raise
    existing = await client.get_status(sid)
    if not existing or existing.runtime_status is None:
        await client.start_new("call_session", sid, call.model_dump())
    signalr = services.signalr
    await signalr.add_user_to_group(sid, messages.session_group(sid))
    base = req.url.split("/api/")[0]
    return json_response(
        {
            "session_id": sid,
            "session_token": token,
            "negotiate": signalr.negotiate(sid),
            "urls": {
                "audio": f"{base}/api/voice/sessions/{sid}/audio",
                "interrupt": f"{base}/api/voice/sessions/{sid}/interrupt",
                "end": f"{base}/api/voice/sessions/{sid}/end",
                "status": f"{base}/api/voice/sessions/{sid}",
            },
        },
        status=status,
    )


def _read_chunk(req: func.HttpRequest, max_bytes: int) -> tuple[int, bytes, bool]:
    raw = req.get_body() or b""
    ctype = (req.headers.get("content-type") or "").split(";")[0].strip().lower()
    if ctype == "application/json":
        if len(raw) > max_bytes * 4 // 3 + 1024:
            raise PayloadTooLarge(f"audio chunks are limited to {max_bytes} bytes")
        chunk = parse_json(req, AudioChunk)
        try:
            data = base64.b64decode(chunk.data, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationFailed("data is not valid base64") from None
        seq, final = chunk.seq, chunk.final
    else:
        data = raw
        query = parse_query(req, ChunkQuery)
        seq, final = query.seq, query.final
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"audio chunks are limited to {max_bytes} bytes")
    return seq, data, final


@describe(
    "voice/sessions/{session_id}/audio",
    "POST",
    access="signed",
    summary="Post a chunk of caller audio (raw with ?seq=N, or JSON with base64 data)",
    request=AudioChunk,
    query=ChunkQuery,
    response=ChunkAccepted,
    status=202,
    tags=TAGS,
    headers=(SESSION_TOKEN,),
)
@bp.route(route="voice/sessions/{session_id}/audio", methods=["POST"])
@bp.durable_client_input(client_name="client")
@json_endpoint
async def post_audio(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    services = get_services()
    session = await _session(req, services)
    ingest = get_ingest(services)
    if session.get("status") != "active":
        ingest.forget(session["id"])
        raise Conflict("the call has ended")
    seq, data, final = _read_chunk(req, services.settings.max_audio_chunk_bytes)
    accepted = await (ingest.accept_whole if final else ingest.accept)(session, seq, data)
    if accepted.first:
        await raise_event(client, session["id"], EVENT_CLIENT_READY, {"seq": seq})
    for utterance in accepted.utterances:
        await raise_event(client, session["id"], utterance_event(utterance.turn), utterance.model_dump())
    body = {"seq": seq, "duplicate": accepted.duplicate, "utterances": len(accepted.utterances)}
    return json_response(body, status=202)


@describe(
    "voice/sessions/{session_id}/interrupt",
    "POST",
    access="signed",
    summary="Barge in: stop the receptionist's current reply",
    response=CallChanged,
    status=202,
    tags=TAGS,
    headers=(SESSION_TOKEN,),
)
@bp.route(route="voice/sessions/{session_id}/interrupt", methods=["POST"])
@json_endpoint
async def interrupt_call(req: func.HttpRequest) -> func.HttpResponse:
    """Barge-in: the receptionist stops speaking the current turn."""
    services = get_services()
    session = await _session(req, services)
    turn = int(session.get("utterances") or 0)
    await CallRecords(services.documents).mark(session["practice_id"], session["id"], interrupted_turn=turn)
    return json_response({"session_id": session["id"], "interrupted_turn": turn}, status=202)


@describe(
    "voice/sessions/{session_id}/end",
    "POST",
    access="signed",
    summary="Hang up",
    response=CallChanged,
    status=202,
    tags=TAGS,
    headers=(SESSION_TOKEN,),
)
@bp.route(route="voice/sessions/{session_id}/end", methods=["POST"])
@bp.durable_client_input(client_name="client")
@json_endpoint
async def end_call(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """The caller hung up: stop speaking at once and let the orchestration wrap up."""
    services = get_services()
    session = await _session(req, services)
    if session.get("status") == "active":
        await CallRecords(services.documents).mark(session["practice_id"], session["id"], status="ending")
        await client.raise_event(session["id"], EVENT_HANGUP, {"by": "caller"})
    return json_response({"session_id": session["id"], "status": "ending"}, status=202)


@describe(
    "voice/sessions/{session_id}",
    "GET",
    access="signed",
    summary="The call's state: session record, live session entity, orchestration status",
    response=CallState,
    tags=TAGS,
    headers=(SESSION_TOKEN,),
)
@bp.route(route="voice/sessions/{session_id}", methods=["GET"])
@bp.durable_client_input(client_name="client")
@json_endpoint
async def get_call(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    services = get_services()
    session = await _session(req, services)
    status = await client.get_status(session["id"])
    entity = await client.read_entity_state(df.EntityId(ENTITY_NAME, session["id"]))
    await services.audit.record(
        actor_id=f"caller:{session['id']}",
        practice_id=session["practice_id"],
        action="read",
        resource_type="session",
        resource_id=session["id"],
        purpose="caller_status",
        outcome="success",
    )
    return json_response(
        {
            "session": _public(session),
            "state": _entity_state(entity),
            "orchestration": {
                "status": status.runtime_status.name if status and status.runtime_status else None,
                "output": status.output if status else None,
            },
        }
    )
