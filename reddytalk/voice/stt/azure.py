"""Azure Speech speech-to-text: push stream, continuous recognition, partial and final results.

Each stream owns its ``SpeechConfig``, push stream and recogniser (native objects are mutable and
not shared). The SDK raises its events on its own threads; they are handed to the session's event
loop with ``call_soon_threadsafe`` into an ``asyncio.Queue``, so ``results`` is plain async code.
Hints become a phrase list, which biases the service towards doctor and patient names.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import azure.cognitiveservices.speech as speechsdk

from reddytalk.errors import BadAudio, ProviderError
from reddytalk.settings import Settings
from reddytalk.voice.azure_speech import (
    PROVIDER,
    SpeechEndpoint,
    cancellation_error,
    disconnect_all,
    thread_poster,
)
from reddytalk.voice.stt.base import Transcript

log = logging.getLogger(__name__)

TICKS_PER_SECOND = 10_000_000
SUPPORTED_RATES = frozenset({8000, 16000})
SESSION_END_GRACE_S = 2.0
_STOPPED = object()


def _check_rate(sample_rate: int) -> None:
    if sample_rate not in SUPPORTED_RATES:
        raise BadAudio(f"Azure Speech takes 8000 or 16000 Hz audio, not {sample_rate}")


def _confidence(result_json: str) -> float | None:
    """The top alternative's confidence from a detailed result, when the service sent one."""
    try:
        best = json.loads(result_json).get("NBest") or []
        value = best[0].get("Confidence") if best else None
        return float(value) if value is not None else None
    except (ValueError, TypeError, AttributeError):
        return None


def _transcript(result: Any, *, is_final: bool) -> Transcript:
    start = result.offset / TICKS_PER_SECOND
    return Transcript(
        text=result.text,
        is_final=is_final,
        start_s=start,
        end_s=start + result.duration / TICKS_PER_SECOND,
        confidence=_confidence(result.json) if is_final else None,
    )


class AzureSttStream:
    """One continuous-recognition session; see ``SttStream``."""

    def __init__(
        self, endpoint: SpeechEndpoint, *, sample_rate: int, hints: Sequence[str], finish_timeout_s: float
    ) -> None:
        _check_rate(sample_rate)
        self._endpoint = endpoint
        self._sample_rate = sample_rate
        self._hints = [h for h in hints if h.strip()]
        self._finish_timeout_s = finish_timeout_s
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._push: speechsdk.audio.PushAudioInputStream | None = None
        self._recognizer: speechsdk.SpeechRecognizer | None = None
        self._finished = False
        self._closed = False
        self._error: ProviderError | None = None
        self._session_over = threading.Event()  # set on an SDK thread when the session has ended

    async def _start(self) -> speechsdk.audio.PushAudioInputStream:
        if self._push is not None:
            return self._push
        config = self._endpoint.new_config()
        config.output_format = speechsdk.OutputFormat.Detailed
        stream_format = speechsdk.audio.AudioStreamFormat(
            samples_per_second=self._sample_rate, bits_per_sample=16, channels=1
        )
        push = speechsdk.audio.PushAudioInputStream(stream_format=stream_format)
        recognizer = speechsdk.SpeechRecognizer(
            speech_config=config, audio_config=speechsdk.audio.AudioConfig(stream=push)
        )
        if self._hints:
            phrases = speechsdk.PhraseListGrammar.from_recognizer(recognizer)
            for hint in self._hints:
                phrases.addPhrase(hint)
        post = thread_poster(asyncio.get_running_loop(), self._queue)
        recognizer.recognizing.connect(lambda evt: post(_transcript(evt.result, is_final=False)))
        recognizer.recognized.connect(
            lambda evt: (
                post(_transcript(evt.result, is_final=True))
                if evt.result.reason == speechsdk.ResultReason.RecognizedSpeech
                else None
            )
        )
        recognizer.canceled.connect(
            lambda evt: (
                post(
                    cancellation_error(
                        evt.cancellation_details.code,
                        evt.cancellation_details.error_details,
                        operation="recognition",
                    )
                )
                if evt.cancellation_details.reason == speechsdk.CancellationReason.Error
                else None
            )
        )
        session_over = self._session_over

        def on_stopped(evt: Any) -> None:
            session_over.set()
            post(_STOPPED)

        recognizer.session_stopped.connect(on_stopped)
        self._push, self._recognizer = push, recognizer
        await asyncio.to_thread(lambda: recognizer.start_continuous_recognition_async().get())
        return push

    async def feed(self, pcm16: bytes) -> None:
        if self._error is not None:
            raise self._error
        if self._finished:
            raise BadAudio("audio fed after finish()")
        if len(pcm16) % 2:
            raise BadAudio("PCM16 audio must hold whole 2-byte samples")
        push = await self._start()
        if pcm16:
            push.write(pcm16)

    async def finish(self) -> None:
        if self._finished:
            return
        push = await self._start()
        self._finished = True
        push.close()

    async def results(self) -> AsyncIterator[Transcript]:
        try:
            await self._start()
            while True:
                if self._finished:
                    try:
                        item = await asyncio.wait_for(self._queue.get(), self._finish_timeout_s)
                    except TimeoutError:
                        raise ProviderError(
                            "Azure Speech did not end the session", provider=PROVIDER, transient=True
                        ) from None
                else:
                    item = await self._queue.get()
                if item is _STOPPED:
                    return
                if isinstance(item, ProviderError):
                    self._error = item
                    raise item
                yield item
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        """End the session and release the native objects; safe to call more than once.

        ``stop_continuous_recognition`` is only called for a session that has not ended by itself:
        called while the SDK is still winding down a failed session it blocks for about 10 s.
        """
        if self._closed or self._recognizer is None:
            self._closed = True
            return
        self._closed = True
        recognizer, self._recognizer = self._recognizer, None
        if self._push is not None and not self._finished:
            self._finished = True
            self._push.close()  # end of audio: the service finishes the turn and ends the session
        ended = await asyncio.to_thread(self._session_over.wait, SESSION_END_GRACE_S)
        disconnect_all(
            recognizer.recognizing, recognizer.recognized, recognizer.canceled, recognizer.session_stopped
        )
        holder = [recognizer]
        del recognizer
        await asyncio.to_thread(_shut_down, holder, stop=not ended)
        self._push = None


def _shut_down(holder: list[speechsdk.SpeechRecognizer], *, stop: bool) -> None:
    """Stop if needed and drop the last reference here, off the event loop: both can block."""
    recognizer = holder.pop()
    if stop:
        recognizer.stop_continuous_recognition_async().get()
    del recognizer


class AzureSpeechToText:
    """``SpeechToText`` over the Azure Speech service (production STT)."""

    name = PROVIDER

    def __init__(self, endpoint: SpeechEndpoint, *, finish_timeout_s: float = 15.0) -> None:
        self._endpoint = endpoint
        self._finish_timeout_s = finish_timeout_s

    @classmethod
    def from_settings(cls, settings: Settings) -> AzureSpeechToText:
        return cls(SpeechEndpoint.from_settings(settings))

    def open_stream(self, *, sample_rate: int = 16000, hints: Sequence[str] = ()) -> AzureSttStream:
        return AzureSttStream(
            self._endpoint, sample_rate=sample_rate, hints=hints, finish_timeout_s=self._finish_timeout_s
        )

    async def transcribe(
        self, pcm16: bytes, sample_rate: int = 16000, *, hints: Sequence[str] = ()
    ) -> Transcript:
        if len(pcm16) % 2:
            raise BadAudio("PCM16 audio must hold whole 2-byte samples")
        _check_rate(sample_rate)
        audio_s = len(pcm16) / (2 * sample_rate)
        if not pcm16:
            return Transcript(text="", is_final=True, start_s=0.0, end_s=0.0)
        started = time.perf_counter()
        stream = self.open_stream(sample_rate=sample_rate, hints=hints)
        finals: list[Transcript] = []
        try:
            await stream.feed(pcm16)
            await stream.finish()
            finals = [t async for t in stream.results() if t.is_final]
        finally:
            await stream.aclose()
        log.info(
            "azure transcription done",
            extra={
                "provider": PROVIDER,
                "count": len(finals),
                "duration_ms": round(audio_s * 1000),
                "elapsed_ms": round((time.perf_counter() - started) * 1000),
            },
        )
        if not finals:
            return Transcript(text="", is_final=True, start_s=0.0, end_s=audio_s)
        scores = [t.confidence for t in finals if t.confidence is not None]
        return Transcript(
            text=" ".join(t.text for t in finals if t.text),
            is_final=True,
            start_s=finals[0].start_s,
            end_s=finals[-1].end_s,
            confidence=min(scores) if scores else None,
        )
