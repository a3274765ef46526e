"""Brute-force throttling per account and per client address (ASVS 6.3.1, OWASP API2).

Failures are counted in the ``login_throttle`` container under keys derived by hashing the
submitted e-mail or the client address, so an e-mail that has no account is throttled exactly like
one that has: the responses never reveal whether an account exists. After ``max_failures`` within
``window_seconds`` the key is locked; each further lock lasts twice as long, capped, and never for
ever (a permanent lock would hand attackers a denial of service). The account key limits many
addresses guessing one account; the address key limits one address spraying many accounts, and is
only used for an address the platform vouches for (``api.guard.client_address``).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reddytalk.errors import Conflict, NotFound, TooManyRequests
from reddytalk.stores.documents.base import DocumentStore

log = logging.getLogger("reddytalk.auth.lockout")

CONTAINER = "login_throttle"
_WRITE_ATTEMPTS = 8


class LockedOut(TooManyRequests):
    """Too many failed logins; ``retry_after`` seconds until the next attempt is considered."""

    code = "too_many_attempts"

    def __init__(self, retry_after: int) -> None:
        super().__init__("too many failed sign-in attempts; try again later")
        self.retry_after = max(1, retry_after)


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int
    window_seconds: int = 15 * 60
    lock_seconds: int = 15 * 60
    max_lock_seconds: int = 12 * 3600


ACCOUNT_POLICY = ThrottlePolicy(max_failures=5)
ADDRESS_POLICY = ThrottlePolicy(max_failures=20)


def _key(kind: str, value: str) -> str:
    return f"{kind}-" + hashlib.sha256(value.strip().lower().encode()).hexdigest()


class LoginThrottle:
    def __init__(
        self,
        documents: DocumentStore,
        *,
        account: ThrottlePolicy = ACCOUNT_POLICY,
        address: ThrottlePolicy = ADDRESS_POLICY,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._docs = documents
        self._policies = {"acct": account, "addr": address}
        self._clock = clock

    def _keys(self, email: str, address: str | None) -> list[tuple[str, ThrottlePolicy]]:
        """The account key always; the address key only for an address the platform vouches for
        (keying unknown addresses together would let one attacker lock everyone out)."""
        keys = [(_key("acct", email), self._policies["acct"])]
        if address:
            keys.append((_key("addr", address), self._policies["addr"]))
        return keys

    async def check(self, email: str, address: str | None) -> None:
        """Raise ``LockedOut`` when the account key or the address key is locked right now."""
        now = self._clock()
        wait = 0.0
        for key, _policy in self._keys(email, address):
            doc = await self._read(key)
            if doc is not None:
                wait = max(wait, float(doc.get("locked_until", 0)) - now)
        if wait > 0:
            raise LockedOut(int(wait + 0.999))

    async def failure(self, email: str, address: str | None) -> None:
        for key, policy in self._keys(email, address):
            if await self._record_failure(key, policy):
                log.warning("sign-in locked", extra={"event": "login_lockout", "resource": key[:4]})

    async def success(self, email: str) -> None:
        key = _key("acct", email)
        doc = await self._read(key)
        if doc is not None and doc.get("failures"):
            fresh = {
                "id": key,
                "key": key,
                "failures": 0,
                "window_start": 0,
                "locked_until": 0,
                "lockouts": 0,
            }
            await self._docs.upsert(CONTAINER, {**fresh, "ttl": 24 * 3600})

    async def _record_failure(self, key: str, policy: ThrottlePolicy) -> bool:
        """Count one failure; True when it started a lock. Conditional writes keep counts exact."""
        for _ in range(_WRITE_ATTEMPTS):
            now = self._clock()
            doc = await self._read(key)
            state: dict[str, Any] = (
                {k: v for k, v in doc.items() if not k.startswith("_")}
                if doc
                else {
                    "id": key,
                    "key": key,
                    "failures": 0,
                    "window_start": now,
                    "locked_until": 0,
                    "lockouts": 0,
                }
            )
            if now - float(state["window_start"]) > policy.window_seconds:
                state["failures"], state["window_start"] = 0, now
            state["failures"] = int(state["failures"]) + 1
            locked = False
            if state["failures"] >= policy.max_failures and float(state["locked_until"]) <= now:
                lock = min(policy.lock_seconds * 2 ** int(state["lockouts"]), policy.max_lock_seconds)
                state["locked_until"] = now + lock
                state["lockouts"] = int(state["lockouts"]) + 1
                state["failures"], state["window_start"] = 0, now
                locked = True
            state["ttl"] = policy.max_lock_seconds + 24 * 3600
            try:
                if doc is None:
                    await self._docs.create(CONTAINER, state)
                else:
                    await self._docs.replace(CONTAINER, state, etag=doc["_etag"])
                return locked
            except (Conflict, NotFound):  # a concurrent failure wrote first (stale ETag or duplicate create)
                continue
        return False

    async def _read(self, key: str) -> dict[str, Any] | None:
        try:
            return await self._docs.read(CONTAINER, key, key)
        except NotFound:
            return None
