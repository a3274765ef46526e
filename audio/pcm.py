"""16-bit little-endian PCM: validation and conversion to and from float32 in [-1, 1).

Everything that enters the voice pipeline passes through here, so malformed input (odd byte counts,
non-finite floats) is rejected once, with a clear message.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from audio.errors import AudioFormatError

Int16Array = npt.NDArray[np.int16]
Float32Array = npt.NDArray[np.float32]

_SCALE = 32768.0


def pcm16_samples(data: bytes | bytearray | memoryview) -> Int16Array:
    """View little-endian PCM16 bytes as int16 samples (copied, so the caller may reuse its buffer)."""
    if len(data) % 2:
        raise AudioFormatError(f"PCM16 needs an even number of bytes, got {len(data)}")
    return np.frombuffer(bytes(data), dtype="<i2").astype(np.int16)


def pcm16_bytes(samples: npt.NDArray[np.integer]) -> bytes:
    """Little-endian PCM16 bytes of int16 samples."""
    return np.asarray(samples, dtype=np.int16).astype("<i2", copy=False).tobytes()


def to_float32(samples: npt.NDArray[np.integer]) -> Float32Array:
    """int16 samples → float32 in [-1, 1)."""
    return (np.asarray(samples, dtype=np.int16).astype(np.float32)) / np.float32(_SCALE)


def to_int16(samples: npt.NDArray[np.floating]) -> Int16Array:
    """float samples in [-1, 1] → int16, clipping instead of wrapping; NaN/inf are rejected."""
    arr = np.asarray(samples, dtype=np.float32)
    if arr.size and not np.isfinite(arr).all():
        raise AudioFormatError("audio contains NaN or infinite samples")
    scaled = np.rint(arr * np.float32(_SCALE))
    return np.clip(scaled, -32768, 32767).astype(np.int16)


def pcm16_to_float32(data: bytes | bytearray | memoryview) -> Float32Array:
    return to_float32(pcm16_samples(data))


def float32_to_pcm16(samples: npt.NDArray[np.floating]) -> bytes:
    return pcm16_bytes(to_int16(samples))
