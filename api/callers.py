"""How a caller's client proves it owns a call: the session token handed out at start.

The token is random, shown once, and stored only as a SHA-256 hash on the session document.
"""

from __future__ import annotations

import hashlib
import hmac

from reddytalk.calls.records import CallRecords
from reddytalk.errors import NotFound, Unauthorized
from reddytalk.services import Services
from reddytalk.stores.documents.base import Document

HEADER = "x-session-token"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def authorized_session(services: Services, session_id: str, token: str | None) -> Document:
    """The session, if ``token`` is its caller's token; 401 without a valid token, 404 if unknown."""
    if not token:
        raise Unauthorized("missing X-Session-Token")
    try:
        session = await CallRecords(services.documents).find_session(session_id)
    except NotFound:
        raise NotFound("no such session") from None
    if not hmac.compare_digest(str(session.get("token_hash", "")), token_hash(token)):
        raise Unauthorized("invalid session token")
    return session
