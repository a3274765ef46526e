"""Human takeover: who holds a call, and the audio that flows between the caller and that person.

The state lives on the call's session document (field ``takeover``), changed only with the
document's ETag, so any worker process on any instance sees the same holder and two staff members
pressing "Take over" at once cannot both win. The call orchestration learns of a take-over or a
hand-back through numbered durable events (``staff_takeover-<n>``, ``staff_handback-<n>``); nothing
about it is kept in a process's memory.

Audio: the caller's chunks are relayed to the holder's SignalR user as ``caller.audio`` (PCM16
16 kHz); the holder's chunks go to the caller as ``turn.audio`` with ``"speaker": "staff"`` in the
call's own format, and are stored next to the call's other raw audio for the recording.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from typing import Any, Literal

from pydantic import BaseModel

from audio import mulaw
from audio.pcm import pcm16_samples
from audio.resample import resample
from reddytalk.audit import AuditLog
from reddytalk.calls import messages
from reddytalk.calls.recording import offset_metadata
from reddytalk.calls.records import CallRecords
from reddytalk.errors import BadAudio, Conflict, PayloadTooLarge, PreconditionFailed, Unauthorized
from reddytalk.services import Services
from reddytalk.stores.documents.base import Document

RATE = 16000
MAX_STAFF_CHUNK_BYTES = RATE * 2 // 5  # 200 ms of PCM16 16 kHz
PURPOSE = "call_takeover"
HOLDING = ("requested", "active")


class Takeover(BaseModel):
    """The ``takeover`` field of a session document."""

    count: int = 0  # take-overs so far (the current one's number while held)
    state: Literal["none", "requested", "active", "ended"] = "none"
    staff_id: str | None = None
    token_hash: str | None = None
    turn: int = 0  # the turn staff audio is attached to (the last turn before the take-over)
    at: float | None = None

    @property
    def held(self) -> bool:
        return self.state in HOLDING


def takeover_of(doc: Document) -> Takeover:
    return Takeover.model_validate(doc.get("takeover") or {})


def staff_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def staff_audio_blob(session_id: str, seq: int) -> str:
    return f"{session_id}/staff-{seq:08d}.pcm"


class Takeovers:
    """Claim, release and use a call's take-over; every change is audited (ids only)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.documents = services.documents
        self.audit: AuditLog = services.audit

    async def claim(self, doc: Document, staff_id: str) -> tuple[Takeover, str, bool]:
        """Hold the call for ``staff_id``: (state, fresh staff token, whether this is a new take-over).

        The same member asking again gets a fresh token for the same take-over (a reloaded page);
        anyone else gets ``Conflict`` while it is held, and after the call has ended.
        """
        if doc.get("status") != "active":
            raise Conflict("the call has ended")
        current = takeover_of(doc)
        if current.held and current.staff_id != staff_id:
            raise Conflict("another staff member holds this call")
        token = secrets.token_urlsafe(32)
        new = not current.held
        updated = current.model_copy(
            update={
                "count": current.count + 1 if new else current.count,
                "state": "requested" if new else current.state,
                "staff_id": staff_id,
                "token_hash": staff_token_hash(token),
                "at": time.time() if new else current.at,
            }
        )
        await self._write(doc, updated)
        return updated, token, new

    async def release(self, doc: Document, staff_id: str) -> Takeover:
        """Hand the call back; only its holder can."""
        current = takeover_of(doc)
        if not current.held or current.staff_id != staff_id:
            raise Conflict("you do not hold this call")
        updated = current.model_copy(update={"state": "ended"})  # its token now answers 409
        await self._write(doc, updated)
        return updated

    async def _write(self, doc: Document, updated: Takeover) -> None:
        fresh = {k: v for k, v in doc.items() if not k.startswith("_")}
        fresh["takeover"] = updated.model_dump()
        try:
            await self.documents.replace("sessions", fresh, etag=doc.get("_etag"))
        except PreconditionFailed:
            raise Conflict("the call changed at the same moment; try again") from None

    async def audited(self, actor_id: str, practice_id: str, session_id: str, action: str) -> None:
        await self.audit.record(
            actor_id=actor_id,
            practice_id=practice_id,
            action=action,
            resource_type="call",
            resource_id=session_id,
            purpose=PURPOSE,
            outcome="success",
        )

    async def staff_session(self, session_id: str, token: str | None) -> tuple[Document, Takeover]:
        """The call, if ``token`` is its current holder's staff token (401 otherwise, 409 if over)."""
        if not token:
            raise Unauthorized("missing X-Staff-Token")
        doc = await CallRecords(self.documents).find_session(session_id)
        current = takeover_of(doc)
        if not current.token_hash or not hmac.compare_digest(current.token_hash, staff_token_hash(token)):
            raise Unauthorized("invalid staff token")
        if doc.get("status") != "active" or not current.held:
            raise Conflict("the call is no longer held by you")
        return doc, current

    async def staff_audio(self, doc: Document, current: Takeover, seq: int, data: bytes) -> bool:
        """Relay one chunk of the holder's voice to the caller; returns False for a repeated ``seq``."""
        if not data or len(data) % 2:
            raise BadAudio("staff audio must be PCM16: a non-empty, even number of bytes")
        if len(data) > MAX_STAFF_CHUNK_BYTES:
            raise PayloadTooLarge("staff audio chunks carry at most 200 ms")
        blobs, container = self.services.blobs, self.services.settings.utterances_container
        name = staff_audio_blob(doc["id"], seq)
        if await blobs.exists(container, name):
            return False
        offset = round((time.time() - float(doc.get("started_at") or time.time())) * RATE)
        await blobs.put(container, name, data, content_type="audio/L16", metadata=offset_metadata(offset))
        fmt, payload = _in_call_format(doc, data)
        message = messages.audio(
            doc["id"], current.turn, messages.STAFF_SEQ_BASE + seq, 0, fmt, payload, last=True
        )
        await self.services.signalr.send_to_group(
            messages.session_group(doc["id"]), messages.TURN_AUDIO, {**message, "speaker": "staff"}
        )
        return True


def _in_call_format(doc: Document, pcm16: bytes) -> tuple[str, bytes]:
    if doc.get("audio_format") == "mulaw/8000":
        return "mulaw/8000", mulaw.encode_bytes(resample(pcm16_samples(pcm16), RATE, 8000))
    return "pcm16/16000", pcm16


async def relay_caller_audio(services: Services, doc: Document, seq: int, pcm16: bytes) -> None:
    """The caller's audio (already PCM16 16 kHz) to the staff member holding the call, if any."""
    current = takeover_of(doc)
    if not current.held or current.staff_id is None or not pcm16:
        return
    payload: dict[str, Any] = {
        "session_id": doc["id"],
        "seq": seq,
        "format": "pcm16/16000",
        "data": base64.b64encode(pcm16).decode("ascii"),
    }
    await services.signalr.send_to_user(current.staff_id, messages.CALLER_AUDIO, payload)
