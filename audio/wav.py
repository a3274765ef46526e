"""WAV (RIFF) read and write with strict header validation.

Accepts what browsers, phones and our own tools produce: PCM 16-bit, 8-bit μ-law, and
WAVE_FORMAT_EXTENSIBLE wrapping either, mono or stereo. Everything else is refused with
``AudioFormatError`` naming the problem; nothing is guessed. Writing builds the whole file in memory
and returns it, so a caller that writes it out (atomically) never leaves half a file behind.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from audio import mulaw
from audio.errors import AudioFormatError, AudioTooLarge
from audio.pcm import Int16Array

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
MIN_RATE = 8000
MAX_RATE = 48000
_PCM = 0x0001
_MULAW = 0x0007
_EXTENSIBLE = 0xFFFE
_STREAMING_SIZE = 0xFFFFFFFF  # writers that do not know the length up front


@dataclass(frozen=True)
class WavAudio:
    """Decoded WAV: int16 samples shaped (frames,) for mono or (frames, channels)."""

    samples: Int16Array
    sample_rate: int
    channels: int

    @property
    def frames(self) -> int:
        return int(self.samples.shape[0])

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate

    def mono(self) -> Int16Array:
        """Channels averaged to one (rounded), for engines that take mono."""
        if self.channels == 1:
            return self.samples
        return np.rint(self.samples.astype(np.float32).mean(axis=1)).astype(np.int16)


def _chunks(data: bytes) -> dict[bytes, tuple[int, int]]:
    """Chunk id → (offset, size) of the chunks after the RIFF header; the first of each id wins.

    Bytes after the last whole chunk are ignored, unless a chunk we need is missing: then the file
    was cut inside a chunk header and is reported as truncated.
    """
    found: dict[bytes, tuple[int, int]] = {}
    pos = 12
    while pos + 8 <= len(data):
        cid, size = struct.unpack_from("<4sI", data, pos)
        body = pos + 8
        if cid == b"data" and size == _STREAMING_SIZE:
            size = len(data) - body
        if body + size > len(data):
            if b"fmt " in found and b"data" in found:
                break  # junk after the audio (some writers append tags): the audio itself is whole
            if cid == b"data":
                raise AudioFormatError(
                    f"WAV is truncated: data chunk declares {size} bytes, {len(data) - body} present"
                )
            raise AudioFormatError(f"WAV is truncated inside the {cid!r} chunk")
        found.setdefault(cid, (body, size))
        pos = body + size + (size & 1)
    if pos < len(data) and not (b"fmt " in found and b"data" in found):
        raise AudioFormatError("WAV is truncated inside a chunk header")
    return found


def read_wav(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> WavAudio:
    """Decode a WAV file given as bytes; raise ``AudioFormatError`` for anything malformed.

    The RIFF size field is not trusted (streaming writers leave it wrong); the chunk sizes are.
    """
    if len(data) > max_bytes:
        raise AudioTooLarge(f"WAV is {len(data)} bytes, the limit is {max_bytes}")
    if len(data) < 12:
        raise AudioFormatError("not a WAV file: too short for a RIFF header" if data else "audio is empty")
    riff, _riff_size, wave = struct.unpack_from("<4sI4s", data, 0)
    if riff != b"RIFF" or wave != b"WAVE":
        raise AudioFormatError("not a WAV file: missing RIFF/WAVE header")
    chunks = _chunks(data)
    if b"fmt " not in chunks:
        raise AudioFormatError("WAV has no fmt chunk")
    if b"data" not in chunks:
        raise AudioFormatError("WAV has no data chunk (truncated?)")
    fmt_off, fmt_size = chunks[b"fmt "]
    if fmt_size < 16:
        raise AudioFormatError(f"WAV fmt chunk is {fmt_size} bytes, needs at least 16")
    tag, channels, rate, byte_rate, block_align, bits = struct.unpack_from("<HHIIHH", data, fmt_off)
    if tag == _EXTENSIBLE:
        if fmt_size < 40:
            raise AudioFormatError("WAV extensible fmt chunk is too short")
        tag = struct.unpack_from("<H", data, fmt_off + 24)[0]
    if tag not in (_PCM, _MULAW):
        raise AudioFormatError(f"unsupported WAV encoding {tag:#06x}: only PCM16 and μ-law are accepted")
    want_bits = 16 if tag == _PCM else 8
    if bits != want_bits:
        raise AudioFormatError(f"unsupported WAV sample size {bits} bits for encoding {tag:#06x}")
    if channels not in (1, 2):
        raise AudioFormatError(f"unsupported WAV channel count {channels}")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise AudioFormatError(f"unsupported WAV sample rate {rate} Hz ({MIN_RATE}-{MAX_RATE} accepted)")
    if block_align != channels * bits // 8 or byte_rate != rate * block_align:
        raise AudioFormatError("WAV header is inconsistent: byte rate/block align disagree with the format")
    data_off, data_size = chunks[b"data"]
    if data_size % block_align:
        raise AudioFormatError("WAV data ends in the middle of a sample frame (truncated)")
    raw = data[data_off : data_off + data_size]
    if tag == _PCM:
        flat = np.frombuffer(raw, dtype="<i2").astype(np.int16)
    else:
        flat = mulaw.decode(np.frombuffer(raw, dtype=np.uint8))
    samples = flat if channels == 1 else flat.reshape(-1, channels)
    return WavAudio(samples=samples, sample_rate=rate, channels=channels)


def write_wav(samples: np.ndarray, sample_rate: int, *, encoding: str = "pcm16") -> bytes:
    """Encode int16 samples ((frames,) or (frames, channels)) as a complete WAV file in memory."""
    arr = np.asarray(samples)
    if arr.dtype != np.int16:
        raise AudioFormatError(f"write_wav takes int16 samples, got {arr.dtype}")
    if arr.ndim not in (1, 2):
        raise AudioFormatError("write_wav takes (frames,) or (frames, channels) samples")
    channels = 1 if arr.ndim == 1 else arr.shape[1]
    if channels not in (1, 2):
        raise AudioFormatError(f"unsupported channel count {channels}")
    if not MIN_RATE <= sample_rate <= MAX_RATE:
        raise AudioFormatError(f"unsupported sample rate {sample_rate}")
    if encoding == "pcm16":
        tag, bits, body = _PCM, 16, arr.astype("<i2").tobytes()
    elif encoding == "mulaw":
        tag, bits, body = _MULAW, 8, mulaw.encode_bytes(arr.reshape(-1))
    else:
        raise AudioFormatError(f"unsupported encoding {encoding!r}")
    block_align = channels * bits // 8
    fmt = struct.pack("<HHIIHH", tag, channels, sample_rate, sample_rate * block_align, block_align, bits)
    pad = b"\0" if len(body) & 1 else b""
    riff_size = 4 + (8 + len(fmt)) + (8 + len(body) + len(pad))
    return b"".join(
        [
            struct.pack("<4sI4s", b"RIFF", riff_size, b"WAVE"),
            struct.pack("<4sI", b"fmt ", len(fmt)),
            fmt,
            struct.pack("<4sI", b"data", len(body)),
            body,
            pad,
        ]
    )
