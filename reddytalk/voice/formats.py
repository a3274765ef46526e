"""Audio formats the voice layer speaks: what a provider is asked to produce or given to consume.

Only two encodings exist in the product: 16-bit little-endian PCM (web calls, engines) and G.711
μ-law at 8 kHz (telephony). A format is a value, so it can be a cache key and a function argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Encoding = Literal["pcm16", "mulaw"]


@dataclass(frozen=True)
class AudioFormat:
    """An encoding plus a sample rate; always mono."""

    encoding: Encoding
    sample_rate: int

    def __post_init__(self) -> None:
        if self.encoding not in ("pcm16", "mulaw"):
            raise ValueError(f"unknown audio encoding {self.encoding!r}")
        if not 8000 <= self.sample_rate <= 48000:
            raise ValueError(f"unsupported sample rate {self.sample_rate}")

    @property
    def bytes_per_sample(self) -> int:
        return 2 if self.encoding == "pcm16" else 1

    def bytes_for(self, seconds: float) -> int:
        """Byte length of ``seconds`` of audio in this format (whole samples)."""
        return round(seconds * self.sample_rate) * self.bytes_per_sample

    def seconds_in(self, nbytes: int) -> float:
        return nbytes / (self.bytes_per_sample * self.sample_rate)

    @property
    def key(self) -> str:
        """Stable short name, e.g. ``pcm16_16000`` (cache keys, file names)."""
        return f"{self.encoding}_{self.sample_rate}"


PCM16_16K = AudioFormat("pcm16", 16000)
PCM16_24K = AudioFormat("pcm16", 24000)
MULAW_8K = AudioFormat("mulaw", 8000)
