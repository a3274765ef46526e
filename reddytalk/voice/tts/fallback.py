"""The TTS fallback chain: primary voice first, backups in order, so the caller always hears a reply.

Rules, in the order they apply to one sentence:

* A provider whose circuit breaker is open is skipped without a call.
* Each attempt must produce its first audio within ``first_audio_timeout_s``; a provider that is
  slower is abandoned (its request is closed) and the next one is tried at once. The same bound
  applies to gaps between later chunks, so a stalled stream cannot hang a call.
* A permanent error (bad key, rejected request) moves on to the next provider at once; a transient
  error (rate limit, 5xx, dropped connection) before any audio gets ``transient_retries`` immediate
  retries of the same provider first, because such failures are quick and often pass.
* **Once audio has started flowing for a sentence the chain never switches or retries.** A failure
  mid-stream raises ``SpeechInterrupted`` and that sentence ends there. Replaying it through another
  provider would make the caller hear the start of the sentence twice, in two different voices;
  the conversation layer decides what to say next instead.

Every failure (timeouts included) counts against the provider's breaker; a finished sentence resets it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from dataclasses import dataclass

from reddytalk.errors import ProviderError
from reddytalk.resilience import incidents
from reddytalk.resilience.breaker import CircuitBreaker
from reddytalk.resilience.chain import Link, ProviderChain
from reddytalk.voice.formats import PCM16_16K, AudioFormat
from reddytalk.voice.tts.base import TextToSpeech

log = logging.getLogger(__name__)

CHAIN = "tts"


class SpeechInterrupted(ProviderError):
    """A provider failed after its audio had started; the sentence was cut, not replayed."""

    code = "speech_interrupted"


class SpeechTimeout(ProviderError):
    """A provider gave no audio within the time-to-first-audio bound."""

    code = "tts_timeout"


def _timeout(name: str, seconds: float) -> ProviderError:
    return SpeechTimeout(f"no audio within {seconds:g} s", provider=name, transient=True)


@dataclass(frozen=True)
class ChainLink:
    """One provider in the chain, built on first use (a provider that is never needed costs nothing).

    ``model`` names anything besides the voice that changes the audio (e.g. the ElevenLabs model),
    so cached audio from an older model is never served after a model change.
    """

    name: str
    make: Callable[[], TextToSpeech]
    default_voice: str = ""
    model: str = ""


@dataclass(frozen=True)
class SpeechSource:
    """Who would speak a sentence: what a cache key must tell apart."""

    provider: str
    voice: str
    model: str = ""


async def _close(stream: AsyncIterator[bytes]) -> None:
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        with contextlib.suppress(Exception):
            await aclose()


class FallbackTextToSpeech:
    """A ``TextToSpeech`` over an ordered list of providers; see the module docstring for the rules."""

    name = "fallback"

    def __init__(
        self,
        links: Sequence[ChainLink],
        *,
        first_audio_timeout_s: float = 3.0,
        breaker_failures: int = 3,
        breaker_cooldown_s: float = 30.0,
        transient_retries: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not links:
            raise ValueError("a TTS chain needs at least one provider")
        self._links = list(links)
        self._timeout_s = first_audio_timeout_s
        self.chain: ProviderChain[TextToSpeech] = ProviderChain(
            [Link(link.name, link.make) for link in self._links],
            stage=CHAIN,
            timeout_s=first_audio_timeout_s,
            breaker_failures=breaker_failures,
            breaker_cooldown_s=breaker_cooldown_s,
            transient_retries=transient_retries,
            clock=clock,
            timeout_error=_timeout,
        )
        self.breakers = self.chain.breakers

    def identities(self, voice: str | None) -> list[SpeechSource]:
        """The source each link would speak ``voice`` with, in chain order."""
        return [SpeechSource(link.name, voice or link.default_voice, link.model) for link in self._links]

    async def aclose(self) -> None:
        """Close the providers built so far (HTTP pools); the chain can be used again afterwards."""
        await self.chain.aclose()

    async def synthesize(
        self, text: str, *, fmt: AudioFormat = PCM16_16K, voice: str | None = None
    ) -> AsyncIterator[bytes]:
        async with contextlib.aclosing(self.synthesize_sourced(text, fmt=fmt, voice=voice)) as chunks:
            async for _, chunk in chunks:
                yield chunk

    async def synthesize_sourced(
        self, text: str, *, fmt: AudioFormat = PCM16_16K, voice: str | None = None
    ) -> AsyncGenerator[tuple[str, bytes]]:
        """Like ``synthesize`` but each chunk comes with the name of the provider that made it."""
        if not text.strip():
            return

        async def first_audio(provider: TextToSpeech) -> tuple[AsyncIterator[bytes], bytes]:
            stream = provider.synthesize(text, fmt=fmt, voice=voice)
            return stream, await self._first_chunk(stream, provider.name)

        started = await self.chain.first_success(first_audio, settle=False)
        stream, first = started.value
        async with contextlib.aclosing(self._rest(started.name, stream, first, started.breaker)) as rest:
            async for item in rest:
                yield item

    @staticmethod
    async def _first_chunk(stream: AsyncIterator[bytes], name: str) -> bytes:
        """The first non-empty chunk (the chain bounds the wait); the stream is closed on any failure."""
        try:
            async for chunk in stream:
                if chunk:
                    return chunk
        except BaseException:
            await _close(stream)
            raise
        raise ProviderError("the provider returned no audio", provider=name, transient=True)

    async def _rest(
        self, name: str, stream: AsyncIterator[bytes], first: bytes, breaker: CircuitBreaker
    ) -> AsyncGenerator[tuple[str, bytes]]:
        """Yield the sentence to its end; failures here end the sentence (no replay)."""
        finished = False
        try:
            yield name, first
            while True:
                try:
                    async with asyncio.timeout(self._timeout_s):
                        chunk = await anext(stream)
                except StopAsyncIteration:
                    break
                except TimeoutError:
                    breaker.record_failure()
                    incidents.note(CHAIN, name, "speech_interrupted")
                    finished = True
                    raise SpeechInterrupted(
                        f"{name} stalled mid-sentence", provider=name, transient=True
                    ) from None
                except ProviderError as exc:
                    breaker.record_failure()
                    incidents.note(CHAIN, name, "speech_interrupted")
                    finished = True
                    log.warning(
                        "tts provider failed mid-sentence",
                        extra={"provider": name, "outcome": "interrupted", "reason_code": exc.code},
                    )
                    raise SpeechInterrupted(
                        f"{name} failed mid-sentence: {exc.message}", provider=name, transient=exc.transient
                    ) from None
                if chunk:
                    yield name, chunk
            breaker.record_success()
            finished = True
        finally:
            if not finished:  # the caller stopped listening (barge-in): not the provider's fault
                breaker.release()
            await _close(stream)
