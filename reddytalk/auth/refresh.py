"""Opaque refresh tokens: stored hashed, single use, rotated, revoked by family (ASVS 7.4, OAuth 2.1).

A token is ``rt1.<user_id>.<secret>`` (256-bit secret); only its SHA-256 is stored, in the
``tokens`` container (partition ``user_id``, per-item TTL). Every login starts a *family* with an
absolute lifetime; each refresh marks the presented token used (a conditional write on its ETag,
so of two simultaneous refreshes exactly one wins) and issues a successor in the same family.
Presenting an already used token means it leaked: the whole family is revoked. Only a duplicate
arriving within ``RACE_GRACE_SECONDS`` of the winning use is refused without revoking (it is a
client racing itself; the loser gets nothing either way).
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reddytalk.errors import NotFound, PreconditionFailed, ServiceUnavailable, Unauthorized
from reddytalk.stores.documents.base import DocumentStore, Query

log = logging.getLogger("reddytalk.auth.refresh")

CONTAINER = "tokens"
FAMILY_LIFETIME_SECONDS = 12 * 3600
RACE_GRACE_SECONDS = 10
_TOKEN = re.compile(r"^rt1\.([0-9a-f]{32})\.([A-Za-z0-9_-]{43})$")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class RefreshGrant:
    """Who a valid refresh token belongs to, and the successor issued for it."""

    user_id: str
    practice_id: str
    family_id: str
    token: str
    expires_at: int


class RefreshTokens:
    def __init__(
        self,
        documents: DocumentStore,
        *,
        lifetime_seconds: int,
        family_lifetime_seconds: int = FAMILY_LIFETIME_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._docs = documents
        self.lifetime_seconds = lifetime_seconds
        self.family_lifetime_seconds = family_lifetime_seconds
        self._clock = clock

    async def start_family(self, *, user_id: str, practice_id: str) -> RefreshGrant:
        """A new session (login): a family record plus its first token."""
        now = int(self._clock())
        family_id = uuid.uuid4().hex
        family_expires = now + self.family_lifetime_seconds
        await self._docs.create(
            CONTAINER,
            {
                "id": f"family-{family_id}",
                "user_id": user_id,
                "type": "refresh_family",
                "family_id": family_id,
                "practice_id": practice_id,
                "created_at": now,
                "expires_at": family_expires,
                "revoked": False,
                "ttl": self.family_lifetime_seconds + 60,
            },
        )
        return await self._issue(user_id, practice_id, family_id, family_expires, parent_id=None)

    async def rotate(self, token: str) -> RefreshGrant:
        """Spend ``token`` and return its successor; ``Unauthorized`` for anything not currently valid."""
        match = _TOKEN.match(token or "")
        if not match:
            raise Unauthorized("invalid refresh token")
        user_id = match.group(1)
        doc = await self._read(token_hash(token), user_id)
        if doc is None or doc.get("type") != "refresh":
            raise Unauthorized("invalid refresh token")
        now = int(self._clock())
        family = await self._read(f"family-{doc['family_id']}", user_id)
        if family is None or family.get("revoked") or now >= int(family["expires_at"]):
            raise Unauthorized("invalid refresh token")
        if now >= int(doc["expires_at"]):
            raise Unauthorized("invalid refresh token")
        if doc.get("used_at") is not None:
            if now - int(doc["used_at"]) <= RACE_GRACE_SECONDS:
                # A near-simultaneous duplicate (two tabs, a client retry): refused, but no alarm.
                raise Unauthorized("invalid refresh token")
            await self.revoke_family(user_id, str(doc["family_id"]))
            log.warning(
                "refresh token reuse: family revoked",
                extra={"event": "refresh_token_reuse", "user_id": user_id},
            )
            raise Unauthorized("invalid refresh token")
        spent = {k: v for k, v in doc.items() if not k.startswith("_")}
        spent["used_at"] = now
        try:
            await self._docs.replace(CONTAINER, spent, etag=doc["_etag"])
        except (PreconditionFailed, NotFound):
            # Another request spent it a moment ago: that one wins, this one is refused.
            raise Unauthorized("invalid refresh token") from None
        return await self._issue(
            user_id,
            str(doc["practice_id"]),
            str(doc["family_id"]),
            int(family["expires_at"]),
            parent_id=doc["id"],
        )

    async def revoke_family(self, user_id: str, family_id: str) -> None:
        await self._set_revoked(f"family-{family_id}", user_id)

    async def revoke_all(self, user_id: str) -> int:
        """Revoke every session of a user (logout, disable); returns how many were live."""
        revoked = 0
        continuation: str | None = None
        while True:
            page = await self._docs.query(
                CONTAINER,
                Query(
                    where={"type": "refresh_family"},
                    partition_key=user_id,
                    limit=100,
                    continuation=continuation,
                ),
            )
            for family in page.items:
                if family.get("revoked"):
                    continue
                await self._set_revoked(str(family["id"]), user_id)
                revoked += 1
            continuation = page.continuation
            if not continuation:
                return revoked

    async def _issue(
        self, user_id: str, practice_id: str, family_id: str, family_expires: int, *, parent_id: str | None
    ) -> RefreshGrant:
        now = int(self._clock())
        token = f"rt1.{user_id}.{secrets.token_urlsafe(32)}"
        expires_at = min(now + self.lifetime_seconds, family_expires)
        await self._docs.create(
            CONTAINER,
            {
                "id": token_hash(token),
                "user_id": user_id,
                "type": "refresh",
                "family_id": family_id,
                "parent_id": parent_id,
                "practice_id": practice_id,
                "issued_at": now,
                "expires_at": expires_at,
                "used_at": None,
                "ttl": max(expires_at - now, 1) + 60,
            },
        )
        return RefreshGrant(user_id, practice_id, family_id, token, expires_at)

    async def _read(self, doc_id: str, user_id: str) -> dict[str, Any] | None:
        try:
            return await self._docs.read(CONTAINER, doc_id, user_id)
        except NotFound:
            return None

    async def _set_revoked(self, doc_id: str, user_id: str) -> None:
        for _ in range(5):
            doc = await self._read(doc_id, user_id)
            if doc is None or doc.get("revoked"):
                return
            updated = {k: v for k, v in doc.items() if not k.startswith("_")}
            updated["revoked"] = True
            try:
                await self._docs.replace(CONTAINER, updated, etag=doc["_etag"])
                return
            except PreconditionFailed:
                continue
        raise ServiceUnavailable("could not revoke the session; try again")
