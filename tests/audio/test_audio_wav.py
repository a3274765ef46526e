"""WAV read/write: round trips, and a malformed corpus that must give clear errors, never a crash."""

from __future__ import annotations

import contextlib
import struct

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from audio import mulaw
from audio.errors import AudioFormatError, AudioTooLarge
from audio.wav import read_wav, write_wav

rates = st.sampled_from([8000, 16000, 22050, 24000, 44100, 48000])


@given(hnp.arrays(np.int16, st.integers(0, 3000)), rates)
def test_mono_pcm_round_trip(samples: np.ndarray, rate: int) -> None:
    audio = read_wav(write_wav(samples, rate))
    assert (audio.sample_rate, audio.channels) == (rate, 1)
    assert np.array_equal(audio.samples, samples)


@given(hnp.arrays(np.int16, st.tuples(st.integers(0, 1500), st.just(2))), rates)
def test_stereo_pcm_round_trip(samples: np.ndarray, rate: int) -> None:
    audio = read_wav(write_wav(samples, rate))
    assert audio.channels == 2
    assert np.array_equal(audio.samples, samples)
    assert audio.mono().shape == (samples.shape[0],)


@given(hnp.arrays(np.int16, st.integers(0, 3000)))
def test_mulaw_wav_round_trip_equals_the_codec(samples: np.ndarray) -> None:
    audio = read_wav(write_wav(samples, 8000, encoding="mulaw"))
    assert np.array_equal(audio.samples, mulaw.decode(mulaw.encode(samples)))


@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    with contextlib.suppress(AudioFormatError):
        read_wav(data)


@given(hnp.arrays(np.int16, st.integers(1, 500)), st.data())
def test_any_truncation_is_an_error_or_a_shorter_valid_file(samples: np.ndarray, data: st.DataObject) -> None:
    full = write_wav(samples, 16000)
    cut = data.draw(st.integers(0, len(full) - 1))
    with pytest.raises(AudioFormatError):
        read_wav(full[:cut])


def _header(
    *, tag: int = 1, channels: int = 1, rate: int = 16000, bits: int = 16, data_size: int = 4
) -> bytes:
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, bits)
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_size)
        + b"WAVE"
        + b"fmt "
        + struct.pack("<I", 16)
        + fmt
        + b"data"
        + struct.pack("<I", data_size)
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"RIFF", "too short"),
        (b"OggS" + b"\0" * 40, "RIFF/WAVE"),
        (_header(data_size=1000) + b"\0" * 10, "truncated"),
        (_header(data_size=3) + b"\0" * 3, "middle of a sample"),
        (_header(rate=3000) + b"\0" * 4, "sample rate 3000"),
        (_header(rate=96000) + b"\0" * 4, "sample rate 96000"),
        (_header(tag=3, bits=32) + b"\0" * 4, "unsupported WAV encoding"),
        (_header(bits=24) + b"\0" * 4, "sample size 24"),
        (_header(channels=6) + b"\0" * 4, "channel count 6"),
        (_header()[:36] + b"\0" * 8, "no data chunk"),
    ],
)
def test_malformed_wav_gives_a_clear_error(data: bytes, message: str) -> None:
    with pytest.raises(AudioFormatError, match=message):
        read_wav(data)


def test_mis_declared_byte_rate_is_rejected() -> None:
    good = bytearray(write_wav(np.zeros(10, np.int16), 16000))
    struct.pack_into("<I", good, 28, 44100 * 2)  # byte rate says 44.1 kHz, sample rate says 16 kHz
    with pytest.raises(AudioFormatError, match="inconsistent"):
        read_wav(bytes(good))


def test_streaming_wav_with_unknown_length_reads_to_the_end() -> None:
    wav = bytearray(write_wav(np.arange(100, dtype=np.int16), 16000))
    struct.pack_into("<I", wav, 40, 0xFFFFFFFF)
    assert read_wav(bytes(wav)).samples.tolist() == list(range(100))


def test_extra_chunks_are_skipped() -> None:
    wav = write_wav(np.arange(10, dtype=np.int16), 16000)
    with_list = wav[:36] + b"LIST" + struct.pack("<I", 3) + b"abc\0" + wav[36:]
    assert read_wav(with_list).samples.tolist() == list(range(10))


def test_junk_after_the_audio_is_ignored_but_a_wrong_riff_size_is_tolerated() -> None:
    wav = bytearray(write_wav(np.arange(10, dtype=np.int16), 16000))
    struct.pack_into("<I", wav, 4, 999_999)  # RIFF size wrong, as streaming writers leave it
    with_junk = bytes(wav) + b"ID3\x04" + struct.pack("<I", 10_000) + b"tag"
    assert read_wav(with_junk).samples.tolist() == list(range(10))


def test_size_limit_is_checked_before_decoding() -> None:
    wav = write_wav(np.zeros(16000, np.int16), 16000)
    with pytest.raises(AudioTooLarge):
        read_wav(wav, max_bytes=1000)


def test_twenty_minutes_of_silence_decodes() -> None:
    audio = read_wav(write_wav(np.zeros(20 * 60 * 16000, np.int16), 16000))
    assert audio.duration_s == 1200.0
    assert not audio.samples.any()


def test_write_rejects_wrong_input() -> None:
    with pytest.raises(AudioFormatError):
        write_wav(np.zeros(10, np.float32), 16000)
    with pytest.raises(AudioFormatError):
        write_wav(np.zeros(10, np.int16), 1000)
    with pytest.raises(AudioFormatError):
        write_wav(np.zeros((10, 3), np.int16), 16000)
