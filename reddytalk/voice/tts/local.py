"""Local text-to-speech: eSpeak NG (see ``espeak.py``), the embedded default and last-resort fallback.

Text is split into sentences and each is synthesized in a worker thread, resampled from eSpeak's
22.05 kHz to the requested format and yielded in ``chunk_ms`` pieces, so the first sentence plays
while later ones are still being made.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from audio import mulaw
from audio.pcm import Int16Array, pcm16_bytes
from audio.resample import resample
from reddytalk.errors import ProviderError, ValidationFailed
from reddytalk.voice.formats import PCM16_16K, AudioFormat
from reddytalk.voice.text import split_sentences
from reddytalk.voice.tts.espeak import MAX_RATE_WPM, MIN_RATE_WPM, EspeakEngine, EspeakError

MAX_TEXT_CHARS = 5000


class LocalTextToSpeech:
    """``TextToSpeech`` on eSpeak NG. ``voice``: an eSpeak voice name (e.g. ``en-us``)."""

    name = "local"

    def __init__(self, *, voice: str = "en-us", rate_wpm: int = 170, chunk_ms: int = 200) -> None:
        if not MIN_RATE_WPM <= rate_wpm <= MAX_RATE_WPM:
            raise ValidationFailed(f"speech rate must be {MIN_RATE_WPM}-{MAX_RATE_WPM} words per minute")
        self.voice = voice
        self.rate_wpm = rate_wpm
        self.chunk_ms = chunk_ms

    async def synthesize(
        self, text: str, *, fmt: AudioFormat = PCM16_16K, voice: str | None = None
    ) -> AsyncIterator[bytes]:
        if len(text) > MAX_TEXT_CHARS:
            raise ValidationFailed(f"text to speak is longer than {MAX_TEXT_CHARS} characters")
        try:
            engine = await asyncio.to_thread(EspeakEngine.shared)
        except (OSError, EspeakError) as exc:
            raise ProviderError(
                f"eSpeak NG cannot start: {exc}", provider=self.name, transient=False
            ) from None
        chunk_samples = max(1, fmt.sample_rate * self.chunk_ms // 1000)
        for sentence in split_sentences(text):
            samples = await self._speak(engine, sentence, voice or self.voice)
            samples = resample(samples, engine.sample_rate, fmt.sample_rate)
            for i in range(0, samples.size, chunk_samples):
                yield _encode(samples[i : i + chunk_samples], fmt)

    async def _speak(self, engine: EspeakEngine, sentence: str, voice: str) -> Int16Array:
        try:
            return await asyncio.to_thread(engine.synthesize, sentence, voice=voice, rate_wpm=self.rate_wpm)
        except EspeakError as exc:
            raise ProviderError(str(exc), provider=self.name, transient=False) from None


def _encode(samples: Int16Array, fmt: AudioFormat) -> bytes:
    return mulaw.encode_bytes(samples) if fmt.encoding == "mulaw" else pcm16_bytes(samples)
