"""A content-addressed TTS cache in the blob store: a sentence spoken once is never synthesised again.

The key is sha256 over (provider, model, voice, text, format), so audio from different voices,
providers, models or formats never mixes. On a lookup every provider of the chain is tried in chain order (one
concurrent round trip), so audio the primary voice made is preferred, and a sentence the backup
voice made during an outage is still served from cache. A miss streams through the chain to the
caller unchanged and stores the whole audio only after the sentence finished cleanly; a failed or
abandoned sentence stores nothing. The store is an optimisation: if it fails, speech still happens.

Blob names are ``<provider>/<sha256>.<format>``; the text itself is never stored (it can hold PHI).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from typing import Protocol

from reddytalk.errors import NotFound, ReddyTalkError
from reddytalk.stores.blobs.base import BlobStore
from reddytalk.voice.formats import PCM16_16K, AudioFormat
from reddytalk.voice.tts.fallback import SpeechSource

log = logging.getLogger(__name__)

HIT_CHUNK_SECONDS = 0.1  # a hit is replayed in 100 ms pieces, like a live stream


class SourcedSpeech(Protocol):
    """What the cache wraps: a chain that says which provider made each chunk."""

    def identities(self, voice: str | None) -> Sequence[SpeechSource]: ...

    def synthesize_sourced(
        self, text: str, *, fmt: AudioFormat = PCM16_16K, voice: str | None = None
    ) -> AsyncGenerator[tuple[str, bytes]]: ...

    async def aclose(self) -> None: ...


def cache_key(source: SpeechSource, text: str, fmt: AudioFormat) -> str:
    """The blob name for (provider, model, voice, text, format); stable across processes and releases."""
    material = json.dumps(
        [source.provider, source.model, source.voice, text, fmt.encoding, fmt.sample_rate], ensure_ascii=False
    )
    digest = hashlib.sha256(material.encode()).hexdigest()
    return f"{source.provider}/{digest}.{fmt.key}"


class CachedTextToSpeech:
    """``TextToSpeech`` that answers from the blob store when it can, else from ``chain``."""

    name = "cached"

    def __init__(self, chain: SourcedSpeech, blobs: BlobStore, *, container: str) -> None:
        self._chain = chain
        self._blobs = blobs
        self._container = container

    async def synthesize(
        self, text: str, *, fmt: AudioFormat = PCM16_16K, voice: str | None = None
    ) -> AsyncIterator[bytes]:
        if not text.strip():
            return
        identities = list(self._chain.identities(voice))
        hit = await self._lookup([cache_key(source, text, fmt) for source in identities])
        if hit is not None:
            step = max(fmt.bytes_for(HIT_CHUNK_SECONDS), 2)
            for offset in range(0, len(hit), step):
                yield hit[offset : offset + step]
            return
        by_provider = {source.provider: source for source in identities}
        parts: list[bytes] = []
        source = ""
        async with contextlib.aclosing(self._chain.synthesize_sourced(text, fmt=fmt, voice=voice)) as chunks:
            async for made_by, chunk in chunks:
                source = made_by
                parts.append(chunk)
                yield chunk
        if parts:
            await self._store(cache_key(by_provider[source], text, fmt), b"".join(parts), source, fmt)

    async def aclose(self) -> None:
        """Close the chain's providers (the blob store belongs to the caller)."""
        await self._chain.aclose()

    async def _lookup(self, names: list[str]) -> bytes | None:
        results = await asyncio.gather(*(self._get(name) for name in names))
        return next((audio for audio in results if audio), None)

    async def _get(self, name: str) -> bytes | None:
        try:
            return await self._blobs.get(self._container, name)
        except NotFound:
            return None
        except (ReddyTalkError, OSError) as exc:
            log.warning(
                "tts cache read failed",
                extra={"container": self._container, "reason_code": type(exc).__name__},
            )
            return None

    async def _store(self, name: str, audio: bytes, provider: str, fmt: AudioFormat) -> None:
        try:
            await self._blobs.put(
                self._container,
                name,
                audio,
                content_type="audio/basic" if fmt.encoding == "mulaw" else "audio/L16",
                metadata={"provider": provider, "format": fmt.key},
            )
        except (ReddyTalkError, OSError) as exc:
            log.warning(
                "tts cache write failed",
                extra={"container": self._container, "reason_code": type(exc).__name__},
            )
