"""The speech-to-text interface every provider (local whisper, Azure Speech) implements.

Two ways in: ``transcribe`` for a whole utterance already cut by the end-of-turn detector, and
``open_stream`` for feeding audio as it arrives and reading partial and final results. Audio is
always 16-bit little-endian mono PCM at ``sample_rate``. Providers raise ``reddytalk.errors.BadAudio``
for audio they cannot accept and ``ProviderError(provider=..., transient=...)`` for engine failures.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Transcript:
    """Recognised text with its span (seconds from the start of the audio fed)."""

    text: str
    is_final: bool
    start_s: float
    end_s: float
    confidence: float | None = None


@runtime_checkable
class SttStream(Protocol):
    """One recognition session: feed audio, then ``finish``; ``results`` yields partials then finals.

    ``results`` ends after ``finish`` once every final result has been delivered.
    """

    async def feed(self, pcm16: bytes) -> None: ...

    async def finish(self) -> None: ...

    def results(self) -> AsyncIterator[Transcript]: ...


@runtime_checkable
class SpeechToText(Protocol):
    name: str

    async def transcribe(
        self, pcm16: bytes, sample_rate: int = 16000, *, hints: Sequence[str] = ()
    ) -> Transcript:
        """Transcribe one whole utterance; the result is final. ``hints``: phrases to favour."""
        ...

    def open_stream(self, *, sample_rate: int = 16000, hints: Sequence[str] = ()) -> SttStream: ...
