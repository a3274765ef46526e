"""Password rules and argon2id hashing (OWASP Password Storage / ASVS 6.2, 11.4.2).

Hashes are PHC strings from ``argon2-cffi``. Parameters never go below the OWASP floor
(m=19 MiB, t=2, p=1); raising them later makes ``verify`` report that the stored hash needs a
rehash, which the login flow does transparently. Hashing runs in worker threads, at most
``max_concurrent`` at a time per process, so a login flood cannot exhaust instance memory.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from reddytalk.errors import ValidationFailed

T = TypeVar("T")

MIN_LENGTH = 12
MAX_LENGTH = 128
FLOOR_MEMORY_KIB = 19_456
FLOOR_TIME_COST = 2
FLOOR_PARALLELISM = 1


def check_password_rules(password: str) -> None:
    """Length only (ASVS 6.2.1/6.2.9): no composition rules, no truncation, no case folding."""
    if len(password) < MIN_LENGTH:
        raise ValidationFailed(
            "password is too short", detail={"password": f"at least {MIN_LENGTH} characters"}
        )
    if len(password) > MAX_LENGTH:
        raise ValidationFailed(
            "password is too long", detail={"password": f"at most {MAX_LENGTH} characters"}
        )


@dataclass(frozen=True)
class HashParams:
    memory_kib: int = FLOOR_MEMORY_KIB
    time_cost: int = FLOOR_TIME_COST
    parallelism: int = FLOOR_PARALLELISM

    def __post_init__(self) -> None:
        if (
            self.memory_kib < FLOOR_MEMORY_KIB
            or self.time_cost < FLOOR_TIME_COST
            or self.parallelism < FLOOR_PARALLELISM
        ):
            raise ValueError("argon2id parameters below the OWASP floor (m=19 MiB, t=2, p=1)")


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    needs_rehash: bool = False


class Passwords:
    """argon2id hash/verify with bounded concurrency; safe to share across event loops."""

    def __init__(self, params: HashParams | None = None, *, max_concurrent: int = 4) -> None:
        self.params = params or HashParams()
        self._hasher = PasswordHasher(
            time_cost=self.params.time_cost,
            memory_cost=self.params.memory_kib,
            parallelism=self.params.parallelism,
            type=Type.ID,
        )
        self._slots = threading.BoundedSemaphore(max_concurrent)
        self._active = 0
        self.peak_concurrency = 0
        self._lock = threading.Lock()
        self._dummy_hash = self._hasher.hash("reddytalk-dummy-password-for-timing")

    async def hash(self, password: str) -> str:
        check_password_rules(password)
        return await asyncio.to_thread(self._bounded, self._hasher.hash, password)

    async def verify(self, stored_hash: str | None, password: str) -> VerifyResult:
        """Verify; with no stored hash (unknown user) burn the same time on a dummy hash."""
        target = stored_hash or self._dummy_hash
        ok = await asyncio.to_thread(self._bounded, self._check, target, password)
        if not ok or stored_hash is None:
            return VerifyResult(ok=False)
        return VerifyResult(ok=True, needs_rehash=self._hasher.check_needs_rehash(stored_hash))

    def _check(self, stored_hash: str, password: str) -> bool:
        if len(password) > MAX_LENGTH:
            return False
        try:
            return bool(self._hasher.verify(stored_hash, password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def _bounded(self, fn: Callable[..., T], *args: str) -> T:
        with self._slots:
            with self._lock:
                self._active += 1
                self.peak_concurrency = max(self.peak_concurrency, self._active)
            try:
                return fn(*args)
            finally:
                with self._lock:
                    self._active -= 1
