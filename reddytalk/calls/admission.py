"""Who may start a call, and how many: session ids, start rate per address, live calls per practice.

* A call's session id is a keyed HMAC of (practice, channel, call id) under a server secret, so a repeated
  ``call_id`` finds the same session (idempotent starts) while nobody can compute a session id
  from public values (phone-system call ids are guessable).
* Anonymous (web) starts are limited per client address and minute, counted in the
  ``login_throttle`` container with an atomic increment, so every instance of the app shares them.
* A practice has at most ``max_concurrent_calls`` live calls; further starts get 429 until one ends.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from collections.abc import Callable

from reddytalk.errors import Conflict, TooManyRequests
from reddytalk.stores.documents.base import DocumentStore, PatchOp, Query, Range

THROTTLE_CONTAINER = "login_throttle"
WINDOW_SECONDS = 60
# A call still "active" this long after it started is taken for a crashed one and not counted.
STALE_CALL_SECONDS = 2 * 3600
_LABEL = b"reddytalk/session-id/v1"


class CallLimitReached(TooManyRequests):
    """Too many call starts from one address, or too many live calls for one practice."""

    code = "too_many_calls"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


def session_id_key(server_secret: str) -> bytes:
    """The key session ids are derived with: the server secret under its own label."""
    return hmac.new(server_secret.encode(), _LABEL, hashlib.sha256).digest()


def session_id(key: bytes, practice_id: str, channel: str, call_id: str | None) -> str:
    """A random id, or for a call id the keyed HMAC of (practice, channel, call id): same call, same
    id. The channel keeps the namespaces apart, so an anonymous web start cannot squat the call id
    a phone call will arrive with (only the telephony integration starts phone calls)."""
    if call_id is None:
        return f"call-{uuid.uuid4().hex}"
    message = f"{practice_id}\x00{channel}\x00{call_id}".encode()
    return "call-" + hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


class CallAdmission:
    def __init__(self, documents: DocumentStore, *, clock: Callable[[], float] = time.time) -> None:
        self._docs = documents
        self._clock = clock

    async def count_start(self, address: str, per_minute: int) -> None:
        """Count one anonymous start from ``address``; 429 past ``per_minute`` in this minute."""
        now = self._clock()
        window = int(now // WINDOW_SECONDS)
        key = "start-" + hashlib.sha256(f"{address.lower()}\x00{window}".encode()).hexdigest()
        doc = {"id": key, "key": key, "count": 1, "ttl": 2 * WINDOW_SECONDS}
        try:
            await self._docs.create(THROTTLE_CONTAINER, doc)
            count = 1
        except Conflict:
            updated = await self._docs.patch(THROTTLE_CONTAINER, key, key, [PatchOp("incr", "/count", 1)])
            count = int(updated.get("count", per_minute + 1))
        if count > per_minute:
            retry = (window + 1) * WINDOW_SECONDS - now
            raise CallLimitReached(
                "too many calls started from this address; try again shortly", int(retry) + 1
            )

    async def check_capacity(self, practice_id: str, limit: int) -> None:
        """429 when the practice already has ``limit`` live calls."""
        since = self._clock() - STALE_CALL_SECONDS
        page = await self._docs.query(
            "sessions",
            Query(
                where={
                    "kind": "call",
                    "status": "active",  # a hung-up call ("ending") no longer holds a line
                    "started_at": Range(gte=since),
                },
                partition_key=practice_id,
                limit=limit,
            ),
        )
        if len(page.items) >= limit:
            raise CallLimitReached("this practice has as many live calls as it can take; try again soon", 30)
