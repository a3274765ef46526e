"""``reddytalk tts`` and ``reddytalk stt`` on the local engines, run through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from wer_text import normalize

from audio.wav import read_wav, write_wav
from reddytalk.cli.main import main

pytestmark = pytest.mark.engines


@pytest.fixture(autouse=True)
def local_settings(monkeypatch: pytest.MonkeyPatch, local_stt: object) -> None:
    """Local engines whatever the environment says (``get_settings`` follows the environment)."""
    monkeypatch.setenv("STT_PROVIDERS", "local")
    monkeypatch.setenv("TTS_PROVIDERS", "local")


def test_tts_then_stt_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wav = tmp_path / "reply.wav"
    assert main(["tts", "Please arrive fifteen minutes early.", "-o", str(wav), "--provider", "local"]) == 0
    audio = read_wav(wav.read_bytes())
    assert (audio.sample_rate, audio.channels) == (16000, 1) and 1.0 < audio.duration_s < 5.0
    assert [p.name for p in tmp_path.iterdir()] == ["reply.wav"]  # no temp file left behind
    capsys.readouterr()

    assert main(["stt", str(wav), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert normalize(result["transcript"]) == "please arrive fifteen minutes early"
    assert result["audio_seconds"] == pytest.approx(audio.duration_s, abs=0.001)
    assert 0 < result["processing_ms"] < 60_000

    assert main(["stt", str(wav)]) == 0
    assert normalize(capsys.readouterr().out) == "please arrive fifteen minutes early"


def test_tts_at_telephone_rate(tmp_path: Path) -> None:
    wav = tmp_path / "phone.wav"
    assert main(["tts", "Goodbye.", "-o", str(wav), "--rate", "8000"]) == 0
    assert read_wav(wav.read_bytes()).sample_rate == 8000


def test_stt_of_silent_stereo_file_is_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wav = tmp_path / "silence.wav"
    wav.write_bytes(write_wav(np.zeros((16000, 2), np.int16), 16000))
    assert main(["stt", str(wav), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["transcript"] == ""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"RIFF\x10\x00\x00\x00WAVEfmt ", "truncated"),
        (b"ID3\x03" + b"\0" * 100, "not a WAV"),
    ],
)
def test_stt_rejects_bad_files_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(content)
    assert main(["stt", str(bad)]) == 2
    assert message in capsys.readouterr().err


def test_errors_leave_no_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "never.wav"
    assert main(["tts", "Hello.", "-o", str(out), "--voice", "xx-none"]) in (1, 2)
    assert not out.exists() and list(tmp_path.iterdir()) == []
    assert main(["tts", "Hello.", "-o", str(tmp_path / "missing" / "x.wav")]) == 2
    assert main(["stt", str(tmp_path / "absent.wav")]) == 2
    assert "cannot read" in capsys.readouterr().err
