"""Local speech engines, loaded once per test session (whisper takes a moment to load)."""

from __future__ import annotations

import pytest

from reddytalk.voice.stt.local import LocalSpeechToText
from reddytalk.voice.tts.local import LocalTextToSpeech


@pytest.fixture(scope="session")
def local_stt() -> LocalSpeechToText:
    stt = LocalSpeechToText()
    stt.warm_up()
    return stt


@pytest.fixture(scope="session")
def local_tts() -> LocalTextToSpeech:
    return LocalTextToSpeech()
