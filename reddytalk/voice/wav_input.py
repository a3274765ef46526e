"""WAV input at the app's edge: ``audio`` errors become the app's errors (400/413), once, here."""

from __future__ import annotations

from audio.errors import AudioFormatError, AudioTooLarge
from audio.wav import DEFAULT_MAX_BYTES, WavAudio, read_wav
from reddytalk.errors import BadAudio, PayloadTooLarge


def decode_wav(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> WavAudio:
    """Decode WAV bytes; ``BadAudio`` for malformed input, ``PayloadTooLarge`` over ``max_bytes``."""
    try:
        return read_wav(data, max_bytes=max_bytes)
    except AudioTooLarge as exc:
        raise PayloadTooLarge(str(exc)) from None
    except AudioFormatError as exc:
        raise BadAudio(str(exc)) from None
