"""Local speech-to-text: faster-whisper ``tiny.en`` (int8, CPU), the embedded default.

Decoding settings favour latency on two cores: greedy (``beam_size=1``), no internal VAD (the
end-of-turn detector already cut the utterance), no timestamps, no conditioning on earlier text.
Phrase hints (doctor names, the practice name) go in as the initial prompt, which biases spelling.

Streaming (``open_stream``): whisper is not a streaming model, so partial results come from
re-transcribing the whole buffer each time ``partial_every_s`` of new audio has arrived (at most one
partial in flight); ``finish`` transcribes the complete buffer once more for the final result.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Sequence
from typing import Any

import numpy as np

from audio.errors import AudioFormatError
from audio.pcm import Int16Array, pcm16_samples, to_float32
from audio.resample import resample
from reddytalk.errors import BadAudio, PayloadTooLarge, ProviderError, ValidationFailed
from reddytalk.voice.stt import whisper_model
from reddytalk.voice.stt.base import Transcript

ENGINE_RATE = 16000
# Below this peak the audio is digital silence; whisper would only hallucinate on it.
SILENCE_PEAK = 64
MAX_HINTS_CHARS = 600


class LocalSpeechToText:
    """``SpeechToText`` on faster-whisper; the model is shared per process (see ``whisper_model``)."""

    name = "local"

    def __init__(
        self,
        *,
        model: str = whisper_model.BUNDLED_MODEL,
        cpu_threads: int = 2,
        max_seconds: float = 600.0,
        partial_every_s: float = 1.0,
    ) -> None:
        self.model = model
        self.cpu_threads = cpu_threads
        self.max_seconds = max_seconds
        self.partial_every_s = partial_every_s

    def warm_up(self) -> None:
        """Load the model now (blocking) rather than on the first utterance."""
        self._model()

    def _model(self) -> Any:
        try:
            return whisper_model.shared_model(self.model, cpu_threads=self.cpu_threads)
        except (OSError, RuntimeError, ValueError) as exc:
            raise ProviderError(
                f"whisper model cannot load: {exc}", provider=self.name, transient=False
            ) from None

    async def transcribe(
        self, pcm16: bytes, sample_rate: int = 16000, *, hints: Sequence[str] = ()
    ) -> Transcript:
        samples = self._decode(pcm16, sample_rate)
        return await self.transcribe_samples(samples, hints=hints, is_final=True)

    async def transcribe_samples(
        self, samples: Int16Array, *, hints: Sequence[str] = (), is_final: bool = True
    ) -> Transcript:
        """Transcribe 16 kHz int16 samples (already validated)."""
        duration = samples.size / ENGINE_RATE
        prompt = _prompt(hints)
        if samples.size == 0 or int(np.abs(samples.astype(np.int32)).max()) < SILENCE_PEAK:
            return Transcript("", is_final, 0.0, duration, None)
        text, confidence = await asyncio.to_thread(self._run, to_float32(samples), prompt)
        return Transcript(text, is_final, 0.0, duration, confidence)

    def open_stream(self, *, sample_rate: int = 16000, hints: Sequence[str] = ()) -> LocalSttStream:
        return LocalSttStream(self, sample_rate=sample_rate, hints=hints)

    def _decode(self, pcm16: bytes, sample_rate: int) -> Int16Array:
        if not 8000 <= sample_rate <= 48000:
            raise BadAudio(f"unsupported sample rate {sample_rate}")
        if len(pcm16) > self.max_seconds * sample_rate * 2:
            raise PayloadTooLarge(f"audio is longer than {self.max_seconds:.0f} s")
        try:
            samples = pcm16_samples(pcm16)
        except AudioFormatError as exc:
            raise BadAudio(str(exc)) from None
        return resample(samples, sample_rate, ENGINE_RATE)

    def _run(self, audio: np.ndarray, prompt: str | None) -> tuple[str, float | None]:
        model = self._model()
        try:
            with whisper_model.inference_lock:
                segments, _info = model.transcribe(
                    audio,
                    language="en",
                    beam_size=1,
                    vad_filter=False,
                    without_timestamps=True,
                    condition_on_previous_text=False,
                    initial_prompt=prompt,
                )
                parts = list(segments)
        except (RuntimeError, ValueError) as exc:
            raise ProviderError(f"whisper failed: {exc}", provider=self.name, transient=True) from None
        text = " ".join(p.text.strip() for p in parts if p.text.strip())
        confidence = float(np.mean([math.exp(p.avg_logprob) for p in parts])) if parts else None
        return text, confidence


def _prompt(hints: Sequence[str]) -> str | None:
    """Phrase hints as a whisper initial prompt, phrased as a caller would speak (bounded length).

    Whisper conditions on the prompt as if it were preceding speech. A bare list of names ("Dr. Patel,
    Dr. Chen.") primes the names but was measured to garble ordinary sentences ("chest pain" heard as
    "to just stay"); the same names inside a natural sentence keep both right.
    """
    cleaned = [h.strip() for h in hints if h and h.strip()]
    if not cleaned:
        return None
    names = cleaned[0] if len(cleaned) == 1 else ", ".join(cleaned[:-1]) + " or " + cleaned[-1]
    prompt = f"Hello, I'm calling about an appointment with {names}."
    if len(prompt) > MAX_HINTS_CHARS:
        raise ValidationFailed(f"phrase hints are longer than {MAX_HINTS_CHARS} characters")
    return prompt


_END = object()


class LocalSttStream:
    """One streaming session on the local engine (see the module docstring for how partials work)."""

    def __init__(self, engine: LocalSpeechToText, *, sample_rate: int, hints: Sequence[str]) -> None:
        if not 8000 <= sample_rate <= 48000:
            raise BadAudio(f"unsupported sample rate {sample_rate}")
        self._engine = engine
        self._rate = sample_rate
        self._hints = tuple(hints)
        self._chunks: list[Int16Array] = []
        self._samples = 0
        self._partial_at = 0
        self._partial: asyncio.Task[None] | None = None
        self._queue: asyncio.Queue[Transcript | BaseException | object] = asyncio.Queue()
        self._finished = False

    async def feed(self, pcm16: bytes) -> None:
        if self._finished:
            raise ValidationFailed("audio fed after finish")
        try:
            chunk = pcm16_samples(pcm16)
        except AudioFormatError as exc:
            raise BadAudio(str(exc)) from None
        if (self._samples + chunk.size) / self._rate > self._engine.max_seconds:
            raise PayloadTooLarge(f"stream is longer than {self._engine.max_seconds:.0f} s")
        self._chunks.append(chunk)
        self._samples += chunk.size
        due = self._samples - self._partial_at >= self._engine.partial_every_s * self._rate
        if due and (self._partial is None or self._partial.done()):
            self._partial_at = self._samples
            self._partial = asyncio.create_task(self._emit_partial(self._audio()))

    def _audio(self) -> Int16Array:
        joined = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int16)
        return resample(joined, self._rate, ENGINE_RATE)

    async def _emit_partial(self, audio: Int16Array) -> None:
        try:
            result = await self._engine.transcribe_samples(audio, hints=self._hints, is_final=False)
        except ProviderError:
            return  # a failed partial is not fatal; the final transcription reports errors
        if not self._finished:
            await self._queue.put(result)

    async def finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        if self._partial is not None:
            await self._partial
        try:
            final = await self._engine.transcribe_samples(self._audio(), hints=self._hints, is_final=True)
        except (ProviderError, ValidationFailed) as exc:
            await self._queue.put(exc)
        else:
            await self._queue.put(final)
        await self._queue.put(_END)

    async def results(self) -> AsyncIterator[Transcript]:
        while True:
            item = await self._queue.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, Transcript)
            yield item
