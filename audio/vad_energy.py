"""Energy VAD: the fallback when the Silero model is unavailable.

Tracks the background level (a slow minimum follower) and maps how far a frame rises above it to a
probability. Cruder than Silero (loud noise counts as speech) but needs nothing beyond numpy.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from audio.errors import AudioFormatError

SAMPLE_RATE = 16000
FRAME_SIZE = 512


class EnergyVad:
    """Probability from frame level above an adaptive noise floor (dB), squashed by a logistic."""

    sample_rate = SAMPLE_RATE
    frame_size = FRAME_SIZE
    latency_samples = 0

    def __init__(self, *, margin_db: float = 12.0, min_speech_dbfs: float = -50.0) -> None:
        self.margin_db = margin_db
        self.min_speech_dbfs = min_speech_dbfs
        self.reset()

    def reset(self) -> None:
        self._floor_db = -70.0

    def process(self, frame: npt.NDArray[np.float32]) -> float:
        window = np.asarray(frame, dtype=np.float32).reshape(-1)
        if window.size != FRAME_SIZE:
            raise AudioFormatError(f"energy VAD takes {FRAME_SIZE}-sample frames, got {window.size}")
        rms = math.sqrt(float(np.mean(window.astype(np.float64) ** 2)))
        level = 20 * math.log10(rms) if rms > 1e-7 else -140.0
        # floor falls fast to quiet frames and rises slowly, so speech does not raise it much
        if level < self._floor_db:
            self._floor_db = level
        else:
            self._floor_db += 0.02 * (level - self._floor_db)
        threshold = max(self._floor_db + self.margin_db, self.min_speech_dbfs)
        return 1.0 / (1.0 + math.exp(-(level - threshold) / 2.0))
