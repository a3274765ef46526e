"""The one fallback rule every provider chain (text-to-speech, speech-to-text) follows.

For one request, links are tried in order:

* a link whose circuit breaker is open is skipped without a call;
* each attempt must finish within ``timeout_s``; a slower provider is abandoned (the attempt is
  cancelled and closes its request in the background) and the next link is tried at once;
* a permanent error (bad key, rejected request) moves on to the next link at once; a transient error
  (rate limit, 5xx, dropped connection) gets ``transient_retries`` immediate retries of the same
  link first, because such failures are quick and often pass;
* every failure (timeouts included) counts against the link's breaker and is noted as an incident
  of the current turn; a success resets the breaker.

What "an attempt" is belongs to the chain's user: a whole transcription, or a speech stream up to
its first audio (``settle=False``: the user reports how the rest of the stream went to the breaker).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from reddytalk.errors import ProviderError, ReddyTalkError
from reddytalk.resilience import incidents
from reddytalk.resilience.breaker import CircuitBreaker

log = logging.getLogger(__name__)

P = TypeVar("P")
_abandoned: set[asyncio.Future[Any]] = set()  # timed-out attempts still winding down


def _forget(task: asyncio.Future[Any]) -> None:
    _abandoned.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved: a failure after abandonment is expected, not news


T = TypeVar("T")


@dataclass(frozen=True)
class Link(Generic[P]):
    """One provider, built on first use (a backup that is never needed costs nothing)."""

    name: str
    make: Callable[[], P]


@dataclass(frozen=True)
class Attempted(Generic[T]):
    """A successful attempt: which link answered, its result, and its breaker (to settle later)."""

    name: str
    value: T
    breaker: CircuitBreaker


class AttemptTimeout(ProviderError):
    """A provider did not answer within the per-attempt time limit."""

    code = "provider_timeout"


def _default_timeout(name: str, seconds: float) -> ProviderError:
    return AttemptTimeout(f"no answer within {seconds:g} s", provider=name, transient=True)


class ProviderChain(Generic[P]):
    def __init__(
        self,
        links: Sequence[Link[P]],
        *,
        stage: str,
        timeout_s: float,
        breaker_failures: int = 3,
        breaker_cooldown_s: float = 30.0,
        transient_retries: int = 1,
        clock: Callable[[], float] = time.monotonic,
        timeout_error: Callable[[str, float], ProviderError] = _default_timeout,
    ) -> None:
        if not links:
            raise ValueError(f"a {stage} chain needs at least one provider")
        self.links = list(links)
        self.stage = stage
        self.timeout_s = timeout_s
        self.retries = transient_retries
        self.timeout_error = timeout_error
        self.providers: dict[str, P] = {}
        self.breakers = {
            link.name: CircuitBreaker(
                failure_threshold=breaker_failures, cooldown_s=breaker_cooldown_s, clock=clock
            )
            for link in self.links
        }

    def provider(self, link: Link[P]) -> P:
        provider = self.providers.get(link.name)
        if provider is None:
            try:
                provider = link.make()
            except ReddyTalkError as exc:  # e.g. a missing key: this link cannot work, the next may
                raise ProviderError(exc.message, provider=link.name, transient=False) from None
            self.providers[link.name] = provider
        return provider

    async def first_success(
        self,
        attempt: Callable[[P], Awaitable[T]],
        *,
        settle: bool = True,
        links: Sequence[Link[P]] | None = None,
    ) -> Attempted[T]:
        """The first link (of ``links``, default all) whose attempt succeeds; raises ``ProviderError``
        naming every failure."""
        failures: list[ProviderError] = []
        for link in self.links if links is None else links:
            breaker = self.breakers[link.name]
            tries = 0
            while tries <= self.retries:
                tries += 1
                if not breaker.try_acquire():
                    failures.append(ProviderError("circuit open", provider=link.name, transient=True))
                    incidents.note(self.stage, link.name, "circuit_open")
                    break
                started = time.perf_counter()
                try:
                    value = await self._bounded(attempt, self.provider(link))
                except TimeoutError:
                    late = self.timeout_error(link.name, self.timeout_s)
                    breaker.record_failure()
                    failures.append(late)
                    self._failed(link.name, late, tries, started)
                    break  # a slow provider is not retried: the time is gone
                except ProviderError as exc:
                    breaker.record_failure()
                    failures.append(exc)
                    self._failed(link.name, exc, tries, started)
                    if exc.transient:
                        continue
                    break
                except BaseException:
                    breaker.release()
                    raise
                if settle:
                    breaker.record_success()
                return Attempted(link.name, value, breaker)
        raise ProviderError(
            f"no {self.stage.upper()} provider could answer: "
            + "; ".join(f"{f.provider}: {f.message}" for f in failures),
            provider=self.stage,
            transient=any(f.transient for f in failures),
        )

    async def _bounded(self, attempt: Callable[[P], Awaitable[T]], provider: P) -> T:
        """The attempt's result within the time limit, else ``TimeoutError`` at once.

        A timed-out attempt is cancelled but not waited for: some SDKs take seconds to wind a
        session down after cancellation, and the caller must not wait for that.
        """
        task = asyncio.ensure_future(attempt(provider))
        try:
            done, _ = await asyncio.wait({task}, timeout=self.timeout_s)
        except BaseException:
            task.cancel()
            raise
        if not done:
            task.cancel()
            _abandoned.add(task)
            task.add_done_callback(_forget)
            raise TimeoutError
        return task.result()

    def _failed(self, name: str, exc: ProviderError, attempt: int, started: float) -> None:
        incidents.note(self.stage, name, exc)
        log.warning(
            "provider failed",
            extra={
                "stage": self.stage,
                "provider": name,
                "attempt": attempt,
                "reason_code": exc.code,
                "outcome": "transient" if exc.transient else "permanent",
                "elapsed_ms": round((time.perf_counter() - started) * 1000),
            },
        )

    async def aclose(self) -> None:
        """Close the providers built so far (HTTP pools); the chain can be used again afterwards."""
        providers, self.providers = list(self.providers.values()), {}
        for provider in providers:
            close = getattr(provider, "aclose", None)
            if close is not None:
                await close()
