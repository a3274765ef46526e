"""End-of-turn detection: where a caller's utterance starts and ends, sample-accurately.

Fed chunks of any size of 16 kHz mono PCM16, it frames them for the VAD and runs a small state
machine. Offsets are absolute sample positions in the stream fed so far.

Events, in the order a caller produces them:

- ``SpeechStarted`` once ``min_speech_ms`` of consecutive speech is seen (``start`` = first speech
  sample).
- ``SpeculativePause`` when silence after speech reaches ``speculative_pause_ms``. It carries the
  utterance audio so far; the caller may start transcribing now.
- ``SpeechResumed`` if speech comes back before the turn ends: the speculation is void.
- ``TurnEnded`` when the silence reaches ``end_of_turn_ms`` (or the utterance hits
  ``max_utterance_ms``, or the stream finishes). If no ``SpeechResumed`` came after the last
  ``SpeculativePause``, the ``TurnEnded`` audio is *identical* to the speculative audio, so its
  transcript can be reused: this is how the product hides STT time behind the end-of-turn silence.

The audio of an utterance spans ``pre_roll_ms`` before ``start`` to ``post_roll_ms`` after ``end``
(``post_roll_ms`` is capped at ``speculative_pause_ms`` so both events can carry the same audio).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from audio.frames import Framer
from audio.pcm import Int16Array, pcm16_samples, to_float32
from audio.vad import VoiceActivityDetector

SAMPLE_RATE = 16000


@dataclass(frozen=True)
class EndpointConfig:
    """Timings in milliseconds; probabilities for the VAD with hysteresis."""

    min_speech_ms: int = 90
    speculative_pause_ms: int = 200
    end_of_turn_ms: int = 500
    max_utterance_ms: int = 30_000
    pre_roll_ms: int = 200
    post_roll_ms: int = 100
    speech_threshold: float = 0.5
    silence_threshold: float = 0.35

    def __post_init__(self) -> None:
        if not 0 < self.speculative_pause_ms <= self.end_of_turn_ms:
            raise ValueError("speculative_pause_ms must be positive and at most end_of_turn_ms")
        if self.min_speech_ms < 0 or self.pre_roll_ms < 0 or self.post_roll_ms < 0:
            raise ValueError("durations must not be negative")
        if self.max_utterance_ms <= self.min_speech_ms:
            raise ValueError("max_utterance_ms must exceed min_speech_ms")
        if not 0 <= self.silence_threshold <= self.speech_threshold <= 1:
            raise ValueError("need 0 <= silence_threshold <= speech_threshold <= 1")


@dataclass(frozen=True)
class SpeechStarted:
    start: int  # first speech sample
    at: int  # stream position when detected


@dataclass(frozen=True)
class SpeculativePause:
    start: int
    end: int  # last speech sample + 1
    audio_start: int  # sample offset of audio[0]
    audio: Int16Array = field(repr=False)
    at: int


@dataclass(frozen=True)
class SpeechResumed:
    at: int


@dataclass(frozen=True)
class TurnEnded:
    start: int
    end: int
    audio_start: int
    audio: Int16Array = field(repr=False)
    at: int
    reason: Literal["silence", "max_length", "stream_end"] = "silence"

    @property
    def duration_s(self) -> float:
        return (self.end - self.start) / SAMPLE_RATE


Event = SpeechStarted | SpeculativePause | SpeechResumed | TurnEnded


def _samples(ms: float) -> int:
    """Milliseconds → whole samples (rounded up)."""
    return math.ceil(ms * SAMPLE_RATE / 1000)


class EndOfTurnDetector:
    """Streaming utterance segmentation for one audio stream (see the module docstring)."""

    def __init__(self, vad: VoiceActivityDetector, config: EndpointConfig | None = None) -> None:
        if vad.sample_rate != SAMPLE_RATE:
            raise ValueError("the end-of-turn detector runs at 16 kHz")
        self.vad = vad
        self.config = config or EndpointConfig()
        fs = vad.frame_size
        cfg = self.config
        self._frame = fs
        self._min_speech = _samples(cfg.min_speech_ms)
        self._spec_pause = _samples(cfg.speculative_pause_ms)
        self._end_silence = _samples(cfg.end_of_turn_ms)
        self._max_len = _samples(cfg.max_utterance_ms)
        self._pre_roll = _samples(cfg.pre_roll_ms)
        self._post_roll = min(_samples(cfg.post_roll_ms), self._spec_pause)
        self._framer = Framer(fs)
        # audio kept: everything from ``_buf_start`` on (pre-roll while idle, the utterance in speech)
        self._buf: list[Int16Array] = []
        self._buf_start = 0
        self._pos = 0  # samples processed by the VAD
        self._in_speech = False
        self._run_start: int | None = None  # start of the current run of speech frames (idle)
        self._start = 0
        self._last_speech_end = 0
        self._speculated = False

    @property
    def in_speech(self) -> bool:
        return self._in_speech

    @property
    def position(self) -> int:
        """Samples consumed by the VAD so far."""
        return self._pos

    def push(self, chunk: bytes | npt.NDArray[np.int16]) -> list[Event]:
        """Feed PCM16 (bytes or int16 samples); return the events this chunk completed."""
        samples = pcm16_samples(chunk) if isinstance(chunk, bytes | bytearray | memoryview) else chunk
        events: list[Event] = []
        for frame in self._framer.push(samples):
            events.extend(self._on_frame(np.asarray(frame, dtype=np.int16)))
        return events

    def finish(self) -> list[Event]:
        """End of stream: the partial last frame is processed; an open utterance ends."""
        events: list[Event] = []
        for frame in self._framer.flush(pad=True):
            events.extend(self._on_frame(np.asarray(frame, dtype=np.int16)))
        if self._in_speech:
            events.append(self._end_turn("stream_end"))
        return events

    def _audio(self, start: int, end: int) -> tuple[int, Int16Array]:
        joined = np.concatenate(self._buf) if self._buf else np.zeros(0, np.int16)
        a = max(start, self._buf_start)
        b = min(end, self._buf_start + joined.size)
        return a, joined[a - self._buf_start : b - self._buf_start].copy()

    def _trim_idle_buffer(self) -> None:
        keep_from = self._pos - self._pre_roll - self._frame
        while self._buf and self._buf_start + self._buf[0].size <= keep_from:
            self._buf_start += self._buf[0].size
            self._buf.pop(0)

    def _segment(self) -> tuple[int, Int16Array]:
        return self._audio(self._start - self._pre_roll, self._last_speech_end + self._post_roll)

    def _end_turn(self, reason: Literal["silence", "max_length", "stream_end"]) -> TurnEnded:
        if reason == "max_length":  # cut while speech goes on: the utterance ends here
            self._last_speech_end = self._pos
        audio_start, audio = self._segment()
        event = TurnEnded(self._start, self._last_speech_end, audio_start, audio, self._pos, reason)
        self._in_speech = False
        self._speculated = False
        self._run_start = None
        self._trim_idle_buffer()
        return event

    def _on_frame(self, frame: Int16Array) -> Iterable[Event]:
        cfg = self.config
        frame_start = self._pos
        self._buf.append(frame)
        prob = self.vad.process(to_float32(frame))
        self._pos += frame.size
        events: list[Event] = []
        if not self._in_speech:
            if prob >= cfg.speech_threshold:
                if self._run_start is None:
                    self._run_start = frame_start
                if self._pos - self._run_start >= max(self._min_speech, 1):
                    self._in_speech = True
                    self._start = self._run_start
                    self._last_speech_end = max(self._pos - self.vad.latency_samples, self._start + 1)
                    self._speculated = False
                    events.append(SpeechStarted(self._start, self._pos))
            else:
                self._run_start = None
                self._trim_idle_buffer()
            return events
        if prob >= cfg.silence_threshold:
            # the VAD lags: its last "speech" frame usually holds only silence
            self._last_speech_end = max(self._pos - self.vad.latency_samples, self._start + 1)
            if self._speculated:
                self._speculated = False
                events.append(SpeechResumed(self._pos))
            if self._pos - self._start >= self._max_len:
                events.append(self._end_turn("max_length"))
            return events
        silence = self._pos - self._last_speech_end
        if not self._speculated and silence >= self._spec_pause:
            self._speculated = True
            audio_start, audio = self._segment()
            events.append(SpeculativePause(self._start, self._last_speech_end, audio_start, audio, self._pos))
        if silence >= self._end_silence:
            events.append(self._end_turn("silence"))
        return events
