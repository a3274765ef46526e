"""Synthetic calls for the VAD and end-of-turn tests: real speech from the local TTS, known pauses.

Ground truth comes from construction: each utterance is eSpeak speech trimmed to its first and last
audible sample, placed at a known offset between stretches of silence (plus optional noise).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

from audio.resample import resample

RATE = 16000


@dataclass(frozen=True)
class SyntheticCall:
    audio: np.ndarray
    spans: list[tuple[int, int]]  # (first speech sample, last speech sample + 1) per placed clip


SpeechFn = Callable[[str], np.ndarray]


@pytest.fixture(scope="session")
def speech() -> SpeechFn:
    """``speech(text)`` → eSpeak NG speech at 16 kHz, trimmed to the audible part (cached)."""
    from reddytalk.voice.tts.espeak import EspeakEngine

    engine = EspeakEngine.shared()
    cache: dict[str, np.ndarray] = {}

    def make(text: str) -> np.ndarray:
        if text not in cache:
            raw = resample(engine.synthesize(text, voice="en-us", rate_wpm=170), engine.sample_rate, RATE)
            loud = np.flatnonzero(np.abs(raw.astype(np.int32)) > 64)
            cache[text] = raw[loud[0] : loud[-1] + 1]
        return cache[text]

    return make


def build_call(parts: list[np.ndarray | float], *, noise_rms: float = 0.0, seed: int = 0) -> SyntheticCall:
    """Concatenate speech arrays and silences (floats, in seconds); add white noise of ``noise_rms``."""
    pieces: list[np.ndarray] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    for part in parts:
        if isinstance(part, float | int):
            piece = np.zeros(round(part * RATE), np.int16)
        else:
            piece = part
            spans.append((pos, pos + piece.size))
        pieces.append(piece)
        pos += piece.size
    audio = np.concatenate(pieces).astype(np.float64)
    if noise_rms:
        audio += np.random.default_rng(seed).normal(0, noise_rms, audio.size)
    return SyntheticCall(np.clip(np.rint(audio), -32768, 32767).astype(np.int16), spans)
