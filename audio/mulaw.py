"""G.711 μ-law (telephony, 8 kHz): vectorised encode and decode of int16 samples.

Follows the G.711 reference coder on 14-bit magnitudes (bias 0x84, clip at 32635, inverted bits),
bit-exact with CPython's ``audioop``, so audio exchanged with phone carriers sounds right. Decoding uses a 256-entry table; encoding is pure numpy.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from audio.pcm import Int16Array

_BIAS = 0x84
_CLIP = 32635


def _build_decode_table() -> Int16Array:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = (((mantissa << 3) + _BIAS) << exponent) - _BIAS
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


_DECODE = _build_decode_table()


def encode(samples: npt.NDArray[np.integer]) -> npt.NDArray[np.uint8]:
    """int16 samples → μ-law bytes (one per sample)."""
    x = np.asarray(samples, dtype=np.int32)
    sign = np.where(x < 0, 0x80, 0)
    # 14-bit magnitude as in the reference coder (arithmetic shift, so negatives round away from 0)
    magnitude14 = np.minimum(np.where(x < 0, -(x >> 2), x >> 2), _CLIP >> 2)
    magnitude = (magnitude14 << 2) + _BIAS
    # exponent = position of the highest set bit above bit 7, 0..7
    exponent = np.clip(np.floor(np.log2(magnitude)).astype(np.int32) - 7, 0, 7)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8)


def decode(codes: npt.NDArray[np.uint8] | bytes) -> Int16Array:
    """μ-law bytes → int16 samples."""
    arr = np.frombuffer(codes, dtype=np.uint8) if isinstance(codes, bytes | bytearray) else codes
    return _DECODE[np.asarray(arr, dtype=np.uint8)]


def encode_bytes(samples: npt.NDArray[np.integer]) -> bytes:
    return encode(samples).tobytes()
