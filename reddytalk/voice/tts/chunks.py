"""Keep streamed audio chunks on whole-sample boundaries.

Vendor SDKs re-slice audio bodies at arbitrary byte counts (ElevenLabs: 1024-byte pieces), but the
``TextToSpeech`` contract promises whole samples, so a PCM16 sample is never split between chunks.
"""

from __future__ import annotations


class SampleAligner:
    """Carries the odd trailing bytes of one chunk over to the next."""

    def __init__(self, bytes_per_sample: int) -> None:
        self._width = bytes_per_sample
        self._carry = b""

    def push(self, data: bytes) -> bytes:
        """The whole-sample part of carry + ``data``; the rest waits for the next chunk."""
        data = self._carry + data
        cut = len(data) - len(data) % self._width
        self._carry = data[cut:]
        return data[:cut]

    @property
    def leftover(self) -> int:
        """Bytes of an incomplete final sample (dropped at the end of a stream)."""
        return len(self._carry)
