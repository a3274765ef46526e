"""The text-to-speech interface every provider (local eSpeak NG, ElevenLabs, Azure Speech) implements.

``synthesize`` streams: it yields audio chunks in the requested format as soon as the engine has
them, so the first audio of a sentence can be sent while the rest is still being made. Providers
raise ``reddytalk.errors.ProviderError(provider=..., transient=...)`` on failure; the fallback chain
reads ``transient`` and whether any chunk has already been yielded.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol, runtime_checkable

from reddytalk.voice.formats import PCM16_16K, AudioFormat


@runtime_checkable
class TextToSpeech(Protocol):
    name: str

    def synthesize(
        self, text: str, *, fmt: AudioFormat = PCM16_16K, voice: str | None = None
    ) -> AsyncIterator[bytes]:
        """Speak ``text``; yield chunks in ``fmt`` (whole samples). ``voice`` None: the provider default."""
        ...
