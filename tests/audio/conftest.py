"""Fixtures for the audio tests; the synthetic-call helpers live in ``synthetic_calls.py``."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic_calls import RATE, SpeechFn

from audio.resample import resample


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
