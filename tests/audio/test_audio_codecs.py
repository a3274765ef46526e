"""PCM16, μ-law, framing, resampling and loudness: round-trip properties and edge cases."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from audio import loudness, mulaw
from audio.errors import AudioFormatError
from audio.frames import Framer
from audio.pcm import (
    float32_to_pcm16,
    pcm16_bytes,
    pcm16_samples,
    pcm16_to_float32,
    to_float32,
    to_int16,
)
from audio.resample import StreamResampler, resample

int16_arrays = hnp.arrays(np.int16, st.integers(0, 4000))


@given(int16_arrays)
def test_pcm16_bytes_round_trip(samples: np.ndarray) -> None:
    data = pcm16_bytes(samples)
    assert len(data) == 2 * samples.size
    assert np.array_equal(pcm16_samples(data), samples)


@given(int16_arrays)
def test_float_round_trip_is_exact(samples: np.ndarray) -> None:
    floats = to_float32(samples)
    assert floats.dtype == np.float32
    assert floats.size == 0 or (floats.min() >= -1.0 and floats.max() < 1.0)
    assert np.array_equal(to_int16(floats), samples)
    assert pcm16_to_float32(float32_to_pcm16(floats)).tolist() == floats.tolist()


@given(st.binary(min_size=1, max_size=99).filter(lambda b: len(b) % 2 == 1))
def test_odd_byte_count_is_rejected(data: bytes) -> None:
    with pytest.raises(AudioFormatError, match="even number of bytes"):
        pcm16_samples(data)


def test_float_to_int16_clips_and_rejects_nan() -> None:
    assert to_int16(np.array([2.0, -2.0, 0.5], np.float32)).tolist() == [32767, -32768, 16384]
    with pytest.raises(AudioFormatError, match="NaN"):
        to_int16(np.array([0.1, np.nan], np.float32))


def test_mulaw_is_bit_exact_with_the_reference_coder() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import audioop  # the CPython reference G.711 coder (deprecated, removed in 3.13)

    every_sample = np.arange(-32768, 32768, dtype=np.int16)
    reference = np.frombuffer(audioop.lin2ulaw(every_sample.tobytes(), 2), np.uint8)
    assert np.array_equal(mulaw.encode(every_sample), reference)
    codes = np.arange(256, dtype=np.uint8)
    assert np.array_equal(mulaw.decode(codes), np.frombuffer(audioop.ulaw2lin(codes.tobytes(), 2), np.int16))


@given(hnp.arrays(np.uint8, st.integers(0, 2000)))
def test_mulaw_decode_encode_is_identity_except_negative_zero(codes: np.ndarray) -> None:
    again = mulaw.encode(mulaw.decode(codes))
    expected = np.where(codes == 0x7F, 0xFF, codes)  # 0x7F is "-0", which encodes as +0
    assert np.array_equal(again, expected)


@given(int16_arrays)
def test_mulaw_error_is_within_one_quantisation_step(samples: np.ndarray) -> None:
    decoded = mulaw.decode(mulaw.encode_bytes(samples))
    x = samples.astype(np.int64)
    error = np.abs(x - decoded.astype(np.int64))
    # step is 8 at the smallest magnitudes and doubles per segment (≈ magnitude / 16)
    assert np.all(error <= np.maximum(8, (np.abs(x) + 132) // 16 + 4))


@given(
    int16_arrays,
    st.integers(1, 700),
    st.lists(st.integers(0, 900), min_size=1, max_size=12),
)
def test_framer_loses_and_repeats_nothing(samples: np.ndarray, frame_size: int, cuts: list[int]) -> None:
    framer = Framer(frame_size)
    frames: list[np.ndarray] = []
    pos = 0
    for cut in [*cuts, samples.size]:
        frames.extend(framer.push(samples[pos : pos + cut]))
        pos = min(samples.size, pos + cut)
    assert all(f.size == frame_size for f in frames)
    tail = framer.flush(pad=False)
    joined = np.concatenate([*frames, *tail]) if frames or tail else np.zeros(0, np.int16)
    assert np.array_equal(joined, samples)
    assert framer.consumed == samples.size
    assert framer.pending == 0


def test_framer_flush_pads_with_zeros() -> None:
    framer = Framer(4)
    assert framer.push(np.array([1, 2, 3, 4, 5, 6], np.int16))[0].tolist() == [1, 2, 3, 4]
    assert framer.flush()[0].tolist() == [5, 6, 0, 0]
    assert framer.flush() == []


@pytest.mark.parametrize(("src", "dst"), [(22050, 16000), (8000, 16000), (16000, 8000), (16000, 24000)])
def test_resample_keeps_duration_and_pitch(src: int, dst: int) -> None:
    t = np.arange(src) / src
    tone = (8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
    out = resample(tone, src, dst)
    assert abs(out.size - dst) <= 1
    spectrum = np.abs(np.fft.rfft(out.astype(np.float64)))
    assert abs(np.argmax(spectrum) * dst / out.size - 440) < 2


def test_stream_resampler_matches_whole_buffer() -> None:
    rng = np.random.default_rng(1)
    audio = (rng.standard_normal(22050) * 3000).astype(np.int16)
    whole = resample(audio, 22050, 16000)
    stream = StreamResampler(22050, 16000)
    pieces = [stream.push(audio[i : i + 999]) for i in range(0, audio.size, 999)]
    streamed = np.concatenate([*pieces, stream.flush()])
    assert abs(streamed.size - whole.size) <= 2
    n = min(streamed.size, whole.size) - 200
    assert np.abs(streamed[200:n].astype(int) - whole[200:n].astype(int)).max() <= 2


def test_resample_rejects_absurd_rates() -> None:
    with pytest.raises(AudioFormatError):
        resample(np.zeros(10, np.int16), 0, 16000)


@settings(max_examples=50)
@given(hnp.arrays(np.int16, st.integers(1, 3000)), st.floats(-40, -3))
def test_normalize_never_clips_and_never_exceeds_ceiling(samples: np.ndarray, target: float) -> None:
    out = loudness.normalize(samples, target_dbfs=target, peak_ceiling_dbfs=-1.0)
    if np.abs(samples.astype(np.int32)).max() == 0:
        assert np.array_equal(out, samples)
        return
    assert loudness.peak_dbfs(out) <= -1.0 + 0.01 or loudness.peak_dbfs(out) <= loudness.peak_dbfs(samples)
    assert loudness.rms_dbfs(out) <= target + 0.1


def test_normalize_reaches_target_on_speech_like_audio() -> None:
    rng = np.random.default_rng(2)
    quiet = (rng.standard_normal(16000) * 300).astype(np.int16)  # about -41 dBFS
    out = loudness.normalize(quiet, target_dbfs=-20)
    assert abs(loudness.rms_dbfs(out) - (-20)) < 0.2
    assert loudness.rms_dbfs(np.zeros(100, np.int16)) == loudness.SILENCE_DBFS


def test_normalize_of_clipped_audio_pulls_it_under_full_scale() -> None:
    clipped = np.clip((np.sin(np.arange(16000) / 5) * 60000), -32768, 32767).astype(np.int16)
    out = loudness.normalize(clipped, target_dbfs=-3)
    assert loudness.peak_dbfs(out) <= -1.0 + 0.01
