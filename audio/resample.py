"""Sample-rate conversion with soxr (engines want 16 kHz, telephony is 8 kHz, eSpeak makes 22.05 kHz).

``resample`` converts a whole buffer; ``StreamResampler`` converts chunk by chunk with filter state
carried across chunks, so streamed audio has no clicks at chunk edges.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import soxr

from audio.errors import AudioFormatError
from audio.pcm import Int16Array

QUALITY = "HQ"


def _check_rates(src: int, dst: int) -> None:
    for rate in (src, dst):
        if not 1000 <= rate <= 192000:
            raise AudioFormatError(f"unsupported sample rate {rate}")


def resample(samples: npt.NDArray[np.int16], src_rate: int, dst_rate: int) -> Int16Array:
    """Resample mono int16 samples from ``src_rate`` to ``dst_rate``."""
    _check_rates(src_rate, dst_rate)
    arr = np.asarray(samples, dtype=np.int16)
    if src_rate == dst_rate or arr.size == 0:
        return arr.copy()
    out = soxr.resample(arr, src_rate, dst_rate, quality=QUALITY)
    return np.asarray(out, dtype=np.int16)


class StreamResampler:
    """Chunked mono int16 resampling; call ``flush`` once at the end to get the filter's tail."""

    def __init__(self, src_rate: int, dst_rate: int) -> None:
        _check_rates(src_rate, dst_rate)
        self.src_rate = src_rate
        self.dst_rate = dst_rate
        self._stream = (
            None if src_rate == dst_rate else soxr.ResampleStream(src_rate, dst_rate, 1, "int16", QUALITY)
        )

    def push(self, samples: npt.NDArray[np.int16]) -> Int16Array:
        arr = np.asarray(samples, dtype=np.int16)
        if self._stream is None:
            return arr.copy()
        return np.asarray(self._stream.resample_chunk(arr), dtype=np.int16)

    def flush(self) -> Int16Array:
        if self._stream is None:
            return np.zeros(0, np.int16)
        return np.asarray(self._stream.resample_chunk(np.zeros(0, np.int16), last=True), dtype=np.int16)
