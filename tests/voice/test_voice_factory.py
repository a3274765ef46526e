"""Providers chosen by settings alone: the embedded default and the production chain, end to end."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from fixtures.azure_speech_standin import AzureSpeechStandIn
from fixtures.elevenlabs_standin import API_KEY, ElevenLabsStandIn
from fixtures.elevenlabs_standin import audio_for as elevenlabs_audio

from reddytalk.settings import Settings
from reddytalk.stores.blobs.embedded import EmbeddedBlobStore
from reddytalk.voice.factory import build_stt, build_tts, build_tts_chain
from reddytalk.voice.formats import PCM16_16K
from reddytalk.voice.stt.azure import AzureSpeechToText
from reddytalk.voice.stt.local import LocalSpeechToText
from reddytalk.voice.tts.base import TextToSpeech
from reddytalk.voice.tts.fallback import SpeechSource


async def speak(tts: TextToSpeech, text: str) -> bytes:
    return b"".join([chunk async for chunk in tts.synthesize(text, fmt=PCM16_16K)])


def production(elevenlabs: ElevenLabsStandIn, speech: AzureSpeechStandIn, **extra: str) -> Settings:
    return Settings.from_env(
        {
            "STT_PROVIDERS": "azure,local",
            "TTS_PROVIDERS": "elevenlabs,azure,local",
            "ELEVENLABS_API_KEY": API_KEY,
            "ELEVENLABS_BASE_URL": elevenlabs.base_url,
            "ELEVENLABS_VOICE_ID": "rachel",
            "SPEECH_SERVICE_KEY": "speech-key",
            "SPEECH_SERVICE_HOST": speech.host,
            "SPEECH_VOICE": "en-US-AvaNeural",
            **extra,
        }
    )


def test_embedded_default_is_the_local_engines() -> None:
    settings = Settings.from_env({})
    stt = build_stt(settings)
    assert [link.name for link in stt.chain.links] == ["local"]
    assert isinstance(stt.chain.provider(stt.chain.links[0]), LocalSpeechToText)
    chain = build_tts_chain(settings)
    assert chain.identities(None) == [SpeechSource("local", "en-us")]


async def test_embedded_default_speaks_and_caches_with_no_keys(tmp_path: Path) -> None:
    settings = Settings.from_env({})
    blobs = EmbeddedBlobStore(tmp_path)
    tts = build_tts(settings, blobs)
    audio = await speak(tts, "Good morning, how can I help you?")
    assert len(audio) > PCM16_16K.bytes_for(1.0)
    assert np.abs(np.frombuffer(audio, "<i2")).max() > 1000, "real speech, not silence"
    (stored,) = await blobs.list(settings.tts_cache_container)
    assert stored.name.startswith("local/")
    assert await speak(tts, "Good morning, how can I help you?") == audio


async def test_production_chain_uses_the_primary_and_its_settings(
    tmp_path: Path, elevenlabs_standin: ElevenLabsStandIn, azure_speech_standin: AzureSpeechStandIn
) -> None:
    settings = production(elevenlabs_standin, azure_speech_standin)
    chain = build_tts_chain(settings)
    assert chain.identities(None) == [
        SpeechSource("elevenlabs", "rachel", settings.elevenlabs_model),
        SpeechSource("azure", "en-US-AvaNeural"),
        SpeechSource("local", "en-us"),
    ]
    tts = build_tts(settings, EmbeddedBlobStore(tmp_path))
    text = "Your appointment is confirmed."
    try:
        assert await speak(tts, text) == elevenlabs_audio(text, "pcm_16000")
    finally:
        await tts.aclose()
    assert elevenlabs_standin.requests[0].body["model_id"] == settings.elevenlabs_model
    assert azure_speech_standin.connections == 0


async def test_backup_takes_over_and_the_breaker_settings_apply(
    tmp_path: Path, elevenlabs_standin: ElevenLabsStandIn, azure_speech_standin: AzureSpeechStandIn
) -> None:
    settings = production(elevenlabs_standin, azure_speech_standin, TTS_BREAKER_FAILURES="1")
    elevenlabs_standin.error_status = 401
    chain = build_tts_chain(settings)
    try:
        assert {name async for name, _ in chain.synthesize_sourced("One moment please.")} == {"azure"}
    finally:
        await chain.aclose()
    assert chain.breakers["elevenlabs"].state == "open"
    assert azure_speech_standin.ssml and "en-US-AvaNeural" in azure_speech_standin.ssml[0]


async def test_a_provider_without_its_key_is_skipped_when_needed(tmp_path: Path) -> None:
    settings = Settings.from_env({"TTS_PROVIDERS": "elevenlabs,local"})  # no ElevenLabs key
    chain = build_tts_chain(settings)  # lazy: building does not fail
    assert {name async for name, _ in chain.synthesize_sourced("Hello.")} == {"local"}


async def test_azure_stt_is_built_from_settings(
    elevenlabs_standin: ElevenLabsStandIn, azure_speech_standin: AzureSpeechStandIn
) -> None:
    stt = build_stt(production(elevenlabs_standin, azure_speech_standin))
    assert [link.name for link in stt.chain.links] == ["azure", "local"]
    assert isinstance(stt.chain.provider(stt.chain.links[0]), AzureSpeechToText)
    azure_speech_standin.phrases = ["I need to reschedule."]
    t = np.arange(16000) / 16000
    speech = (6000 * np.sin(2 * np.pi * 300 * t)).astype("<i2").tobytes()
    result = await stt.transcribe(b"\0\0" * 3200 + speech + b"\0\0" * 3200)
    assert result.text == "I need to reschedule."
    assert azure_speech_standin.keys == ["speech-key"]
