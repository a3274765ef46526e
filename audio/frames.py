"""Fixed-size framing of a stream that arrives in arbitrary chunks.

VAD models need exact windows (512 samples at 16 kHz for Silero) but network chunks come in any
size; the framer carries the remainder to the next push, so no sample is lost or repeated.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


class Framer:
    """Cut a 1-D sample stream into frames of ``frame_size`` samples, carrying the remainder."""

    def __init__(self, frame_size: int, dtype: npt.DTypeLike = np.int16) -> None:
        if frame_size <= 0:
            raise ValueError("frame_size must be positive")
        self.frame_size = frame_size
        self._dtype = np.dtype(dtype)
        self._pending = np.zeros(0, self._dtype)
        self.consumed = 0  # samples pushed so far (frames emitted + pending)

    @property
    def pending(self) -> int:
        """Samples waiting for a full frame."""
        return int(self._pending.size)

    def push(self, samples: npt.NDArray[np.generic]) -> list[npt.NDArray[np.generic]]:
        """Add samples; return every complete frame now available, in order."""
        arr = np.asarray(samples, dtype=self._dtype).reshape(-1)
        self.consumed += int(arr.size)
        buf = np.concatenate([self._pending, arr]) if self._pending.size else arr
        whole = (buf.size // self.frame_size) * self.frame_size
        frames = [buf[i : i + self.frame_size].copy() for i in range(0, whole, self.frame_size)]
        self._pending = buf[whole:].copy()
        return frames

    def flush(self, *, pad: bool = True) -> list[npt.NDArray[np.generic]]:
        """The remainder as a last frame (zero-padded to full size if ``pad``); empty if none."""
        if not self._pending.size:
            return []
        last = self._pending
        self._pending = np.zeros(0, self._dtype)
        if pad:
            last = np.concatenate([last, np.zeros(self.frame_size - last.size, self._dtype)])
        return [last]
