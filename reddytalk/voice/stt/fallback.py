"""The speech-to-text fallback chain: the primary recogniser first, backups in order.

Whole-utterance transcription follows the shared chain rule (``reddytalk.resilience.chain``): a
provider whose breaker is open is skipped, each attempt is bounded by ``timeout_s``, a transient
error gets an immediate retry, anything else moves on to the next provider. With
``STT_PROVIDERS=azure,local`` an Azure outage costs one bounded attempt, then whisper answers.

Hedging: a transcription is idempotent and the caller is waiting, so when the primary has not
answered within ``hedge_after_s`` (cloud recognition normally answers in ~0.3 s) the backups start
in parallel and the first answer wins; the slower attempt is abandoned. A recogniser that fails
takes the Speech SDK about 2 s to report, which alone would break the 2 s answer goal.

A live recognition stream cannot change provider midway (the audio already fed is gone), so
``open_stream`` picks the first provider whose breaker is not open; callers of the stream fall back
to ``transcribe`` when it fails.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence

from reddytalk.errors import ProviderError
from reddytalk.resilience import incidents
from reddytalk.resilience.chain import Attempted, Link, ProviderChain
from reddytalk.voice.stt.base import SpeechToText, SttStream, Transcript

STAGE = "stt"


class FallbackSpeechToText:
    name = "fallback"

    def __init__(
        self,
        links: Sequence[Link[SpeechToText]],
        *,
        timeout_s: float = 5.0,
        breaker_failures: int = 3,
        breaker_cooldown_s: float = 30.0,
        transient_retries: int = 1,
        hedge_after_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.hedge_after_s = hedge_after_s
        self.chain: ProviderChain[SpeechToText] = ProviderChain(
            links,
            stage=STAGE,
            timeout_s=timeout_s,
            breaker_failures=breaker_failures,
            breaker_cooldown_s=breaker_cooldown_s,
            transient_retries=transient_retries,
            clock=clock,
        )
        self.breakers = self.chain.breakers

    async def transcribe(
        self, pcm16: bytes, sample_rate: int = 16000, *, hints: Sequence[str] = ()
    ) -> Transcript:
        async def attempt(provider: SpeechToText) -> Transcript:
            return await provider.transcribe(pcm16, sample_rate, hints=hints)

        links = self.chain.links
        if not self.hedge_after_s or len(links) < 2:
            return (await self.chain.first_success(attempt)).value
        primary = asyncio.ensure_future(self.chain.first_success(attempt, links=links[:1]))
        done, _ = await asyncio.wait({primary}, timeout=self.hedge_after_s)
        if done and primary.exception() is None:
            return primary.result().value
        backup = asyncio.ensure_future(self.chain.first_success(attempt, links=links[1:]))
        answer, winner = await _first_answer([primary, backup])
        if winner is backup and not primary.done():
            # The primary neither answered nor failed in time: the turn names it (it was abandoned).
            incidents.note(STAGE, links[0].name, "hedged")
        return answer

    def open_stream(self, *, sample_rate: int = 16000, hints: Sequence[str] = ()) -> SttStream:
        links = self.chain.links
        usable = [link for link in links if self.breakers[link.name].state != "open"] or links[-1:]
        return self.chain.provider(usable[0]).open_stream(sample_rate=sample_rate, hints=hints)

    def warm_up(self) -> None:
        """Load every engine that loads lazily (a backup must be ready the moment it is needed)."""
        for link in self.chain.links:
            try:
                provider = self.chain.provider(link)
            except ProviderError:  # not configured: it will fail over when asked, nothing to load
                continue
            warm = getattr(provider, "warm_up", None)
            if warm is not None:
                warm()

    async def aclose(self) -> None:
        await self.chain.aclose()


Racer = asyncio.Future[Attempted[Transcript]]


async def _first_answer(racers: list[Racer]) -> tuple[Transcript, Racer]:
    """The first racer to succeed and its answer (the others are cancelled); if all fail, the last
    failure."""
    pending = set(racers)
    failure: BaseException | None = None
    try:
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task.exception() is None:
                    return task.result().value, task
                failure = task.exception()
    finally:
        for task in pending:
            task.cancel()
    assert failure is not None
    raise failure
