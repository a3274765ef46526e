"""Call recordings: both parties time-aligned on their own channel, losslessly compressed."""

from __future__ import annotations

import numpy as np
import pytest

from audio.errors import AudioFormatError, AudioTooLarge
from audio.recording import RecordingBuilder, decode_recording, encode_flac


def _tone(seconds: float, freq: float, rate: int = 16000) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (6000 * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def test_parties_are_time_aligned_on_their_channels() -> None:
    rec = RecordingBuilder(16000)
    caller, reply = _tone(1.0, 300), _tone(0.5, 500)
    rec.add("caller", 0.25, caller)
    rec.add("receptionist", 1.5, reply)
    samples, rate = decode_recording(rec.to_flac())
    assert rate == 16000
    assert samples.shape == (32000, 2)
    assert np.array_equal(samples[4000:20000, 0], caller)  # left = caller, lossless
    assert np.array_equal(samples[24000:32000, 1], reply)  # right = receptionist
    assert not samples[:4000].any() and not samples[20000:, 0].any() and not samples[:24000, 1].any()


def test_overlapping_segments_on_one_channel_are_summed_with_clipping() -> None:
    rec = RecordingBuilder(8000)
    rec.add("caller", 0, np.full(100, 30000, np.int16))
    rec.add("caller", 0, np.full(50, 30000, np.int16))
    left = rec.render()[:, 0]
    assert left[:50].tolist() == [32767] * 50 and left[50:].tolist() == [30000] * 50


def test_flac_is_smaller_than_pcm_for_speechlike_audio() -> None:
    rec = RecordingBuilder(16000)
    rec.add("caller", 0, _tone(5, 220))
    rec.add("receptionist", 5, _tone(5, 330))
    assert len(rec.to_flac()) < rec.render().nbytes / 2


def test_bad_segments_and_recordings_are_rejected() -> None:
    rec = RecordingBuilder(16000, max_seconds=2)
    with pytest.raises(AudioFormatError):
        rec.add("caller", -1, _tone(0.1, 200))
    with pytest.raises(AudioFormatError):
        rec.add("nurse", 0, _tone(0.1, 200))  # type: ignore[arg-type]
    with pytest.raises(AudioTooLarge):
        rec.add("caller", 1.5, _tone(1, 200))
    with pytest.raises(AudioFormatError):
        decode_recording(b"")
    with pytest.raises(AudioFormatError):
        decode_recording(b"fLaC" + b"\x00" * 20)
    with pytest.raises(AudioFormatError, match="no audio"):
        encode_flac(np.zeros((0, 2), np.int16), 16000)
