"""Loudness measurement and normalisation that can never clip.

TTS voices and callers arrive at very different levels; the recording and the VAD behave better at
a steady level. Gain is limited both by ``max_gain_db`` (so silence and hiss are not blown up) and by
the peak ceiling (so the loudest sample stays below full scale).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from audio.pcm import Int16Array

SILENCE_DBFS = -120.0


def rms_dbfs(samples: npt.NDArray[np.integer]) -> float:
    """RMS level in dB relative to full scale; ``SILENCE_DBFS`` for empty or all-zero audio."""
    arr = np.asarray(samples, dtype=np.float64)
    if arr.size == 0:
        return SILENCE_DBFS
    rms = math.sqrt(float(np.mean(arr * arr))) / 32768.0
    return SILENCE_DBFS if rms <= 0 else max(SILENCE_DBFS, 20 * math.log10(rms))


def peak_dbfs(samples: npt.NDArray[np.integer]) -> float:
    arr = np.asarray(samples, dtype=np.int32)
    if arr.size == 0:
        return SILENCE_DBFS
    peak = int(np.abs(arr).max()) / 32768.0
    return SILENCE_DBFS if peak <= 0 else max(SILENCE_DBFS, 20 * math.log10(peak))


def normalize(
    samples: npt.NDArray[np.integer],
    *,
    target_dbfs: float = -20.0,
    peak_ceiling_dbfs: float = -1.0,
    max_gain_db: float = 30.0,
) -> Int16Array:
    """Scale to ``target_dbfs`` RMS, limited so the peak stays at or below ``peak_ceiling_dbfs``."""
    arr = np.asarray(samples, dtype=np.int16)
    level = rms_dbfs(arr)
    if level <= SILENCE_DBFS:
        return arr.copy()
    gain_db = min(target_dbfs - level, max_gain_db, peak_ceiling_dbfs - peak_dbfs(arr))
    gain = 10 ** (gain_db / 20)
    scaled = np.rint(arr.astype(np.float64) * gain)
    return np.clip(scaled, -32768, 32767).astype(np.int16)
