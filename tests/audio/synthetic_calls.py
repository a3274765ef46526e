"""Synthetic calls for the VAD and end-of-turn tests: real speech from the local TTS, known pauses.

Ground truth comes from construction: each utterance is eSpeak speech trimmed to its first and last
audible sample, placed at a known offset between stretches of silence (plus optional noise).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

RATE = 16000


@dataclass(frozen=True)
class SyntheticCall:
    audio: np.ndarray
    spans: list[tuple[int, int]]  # (first speech sample, last speech sample + 1) per placed clip


SpeechFn = Callable[[str], np.ndarray]


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
