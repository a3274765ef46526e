"""Call recordings: caller and receptionist on one timeline, stored as compressed stereo FLAC.

Layout (documented for whoever plays recordings back): **left channel = caller, right channel =
receptionist**, both at the recording's sample rate (16 kHz by default), sample 0 = the moment the
call started. Keeping the two parties on separate channels lets staff and QA tools hear (or
transcribe) each side alone, and overlaps such as barge-in stay intelligible. Segments that overlap
on the same channel are summed with clipping. FLAC is lossless and about halves the size of PCM.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import soundfile

from audio.errors import AudioFormatError, AudioTooLarge
from audio.pcm import Int16Array

Track = Literal["caller", "receptionist"]
CHANNEL: dict[str, int] = {"caller": 0, "receptionist": 1}
DEFAULT_MAX_SECONDS = 4 * 3600


@dataclass(frozen=True)
class _Segment:
    channel: int
    offset: int
    samples: Int16Array


class RecordingBuilder:
    """Collects timed segments of both parties and renders them into one stereo recording."""

    def __init__(self, sample_rate: int = 16000, *, max_seconds: float = DEFAULT_MAX_SECONDS) -> None:
        self.sample_rate = sample_rate
        self._max_frames = int(max_seconds * sample_rate)
        self._segments: list[_Segment] = []
        self._length = 0

    @property
    def duration_s(self) -> float:
        return self._length / self.sample_rate

    def add(self, track: Track, offset_s: float, samples: npt.NDArray[np.int16]) -> None:
        """Place mono int16 ``samples`` of ``track`` starting ``offset_s`` seconds into the call."""
        if track not in CHANNEL:
            raise AudioFormatError(f"unknown recording track {track!r}")
        if not offset_s >= 0:
            raise AudioFormatError("segment offset must be a non-negative number of seconds")
        arr = np.asarray(samples, dtype=np.int16).reshape(-1)
        offset = round(offset_s * self.sample_rate)
        end = offset + arr.size
        if end > self._max_frames:
            raise AudioTooLarge(f"recording would exceed {self._max_frames / self.sample_rate:.0f} s")
        self._segments.append(_Segment(CHANNEL[track], offset, arr.copy()))
        self._length = max(self._length, end)

    def render(self) -> Int16Array:
        """The stereo timeline, shape (frames, 2): caller left, receptionist right."""
        mix = np.zeros((self._length, 2), np.int32)
        for seg in self._segments:
            mix[seg.offset : seg.offset + seg.samples.size, seg.channel] += seg.samples
        return np.clip(mix, -32768, 32767).astype(np.int16)

    def to_flac(self) -> bytes:
        return encode_flac(self.render(), self.sample_rate)


def encode_flac(samples: npt.NDArray[np.int16], sample_rate: int) -> bytes:
    """int16 samples ((frames,) or (frames, channels)) → FLAC bytes (16-bit).

    An empty recording is refused (FLAC cannot hold zero frames): callers skip storing silence-free calls.
    """
    arr = np.asarray(samples, dtype=np.int16)
    if arr.shape[0] == 0:
        raise AudioFormatError("nothing to record: the recording has no audio")
    out = io.BytesIO()
    soundfile.write(out, arr, sample_rate, format="FLAC", subtype="PCM_16")
    return out.getvalue()


def decode_recording(data: bytes) -> tuple[Int16Array, int]:
    """FLAC (or WAV) bytes → (int16 samples shaped (frames, channels), sample rate)."""
    if not data:
        raise AudioFormatError("recording is empty")
    try:
        samples, rate = soundfile.read(io.BytesIO(data), dtype="int16", always_2d=True)
    except (soundfile.SoundFileError, RuntimeError, TypeError, ValueError) as exc:
        raise AudioFormatError(f"recording cannot be decoded: {exc}") from None
    return np.asarray(samples, dtype=np.int16), int(rate)
