"""The TTS cache over the real embedded blob store, in front of a chain of real adapters."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fixtures.azure_speech_standin import AzureSpeechStandIn
from fixtures.azure_speech_standin import audio_for as azure_audio
from fixtures.elevenlabs_standin import API_KEY, ElevenLabsStandIn
from fixtures.elevenlabs_standin import audio_for as elevenlabs_audio

from reddytalk.settings import Settings
from reddytalk.stores import open_blobs
from reddytalk.stores.blobs.embedded import EmbeddedBlobStore
from reddytalk.voice.azure_speech import SpeechEndpoint
from reddytalk.voice.formats import MULAW_8K, PCM16_16K, AudioFormat
from reddytalk.voice.tts.azure import AzureTextToSpeech
from reddytalk.voice.tts.cache import CachedTextToSpeech, cache_key
from reddytalk.voice.tts.elevenlabs import ElevenLabsTextToSpeech
from reddytalk.voice.tts.fallback import ChainLink, FallbackTextToSpeech, SpeechInterrupted, SpeechSource

CONTAINER = "tts-cache"
TEXT = "Thank you for calling Riverside Family Practice."


@pytest.fixture
async def elevenlabs(elevenlabs_standin: ElevenLabsStandIn) -> AsyncIterator[ElevenLabsTextToSpeech]:
    provider = ElevenLabsTextToSpeech(
        api_key=API_KEY, voice_id="rachel", model_id="m", base_url=elevenlabs_standin.base_url
    )
    yield provider
    await provider.aclose()


@pytest.fixture
def chain(
    elevenlabs: ElevenLabsTextToSpeech, azure_speech_standin: AzureSpeechStandIn
) -> FallbackTextToSpeech:
    azure = AzureTextToSpeech(SpeechEndpoint(key="k", host=azure_speech_standin.host), voice="jenny")
    return FallbackTextToSpeech(
        [
            ChainLink("elevenlabs", lambda: elevenlabs, default_voice="rachel", model="flash"),
            ChainLink("azure", lambda: azure, default_voice="jenny"),
        ],
        first_audio_timeout_s=2.0,
    )


@pytest.fixture
def blobs(tmp_path: Path) -> EmbeddedBlobStore:
    return EmbeddedBlobStore(tmp_path / "blobs")


async def speak(
    tts: CachedTextToSpeech, text: str = TEXT, fmt: AudioFormat = PCM16_16K, voice: str | None = None
) -> bytes:
    return b"".join([chunk async for chunk in tts.synthesize(text, fmt=fmt, voice=voice)])


async def test_second_request_is_served_from_the_blob_store(
    chain: FallbackTextToSpeech, blobs: EmbeddedBlobStore, elevenlabs_standin: ElevenLabsStandIn
) -> None:
    tts = CachedTextToSpeech(chain, blobs, container=CONTAINER)
    first = await speak(tts)
    second = await speak(tts)

    assert first == second == elevenlabs_audio(TEXT, "pcm_16000")
    assert elevenlabs_standin.synth_requests == 1, "a hit must skip synthesis"
    (stored,) = await blobs.list(CONTAINER)
    assert stored.name == cache_key(SpeechSource("elevenlabs", "rachel", "flash"), TEXT, PCM16_16K)
    assert stored.metadata == {"provider": "elevenlabs", "format": "pcm16_16000"}


async def test_a_hit_is_streamed_in_pieces(chain: FallbackTextToSpeech, blobs: EmbeddedBlobStore) -> None:
    tts = CachedTextToSpeech(chain, blobs, container=CONTAINER)
    await speak(tts)
    pieces = [chunk async for chunk in tts.synthesize(TEXT)]
    assert len(pieces) > 1
    assert all(len(p) == PCM16_16K.bytes_for(0.1) for p in pieces[:-1])


async def test_key_is_sha256_of_provider_voice_text_and_format() -> None:
    material = json.dumps(["elevenlabs", "flash", "rachel", TEXT, "mulaw", 8000])
    digest = hashlib.sha256(material.encode()).hexdigest()
    rachel = SpeechSource("elevenlabs", "rachel", "flash")
    assert cache_key(rachel, TEXT, MULAW_8K) == f"elevenlabs/{digest}.mulaw_8000"
    keys = {
        cache_key(rachel, TEXT, PCM16_16K),
        cache_key(SpeechSource("azure", "rachel", "flash"), TEXT, PCM16_16K),
        cache_key(SpeechSource("elevenlabs", "adam", "flash"), TEXT, PCM16_16K),
        cache_key(SpeechSource("elevenlabs", "rachel", "multilingual"), TEXT, PCM16_16K),
        cache_key(rachel, TEXT + "!", PCM16_16K),
        cache_key(rachel, TEXT, MULAW_8K),
    }
    assert len(keys) == 6


async def test_different_voice_or_format_is_synthesised_separately(
    chain: FallbackTextToSpeech, blobs: EmbeddedBlobStore, elevenlabs_standin: ElevenLabsStandIn
) -> None:
    tts = CachedTextToSpeech(chain, blobs, container=CONTAINER)
    await speak(tts)
    ulaw = await speak(tts, fmt=MULAW_8K)
    await speak(tts, voice="adam")
    assert ulaw == elevenlabs_audio(TEXT, "ulaw_8000")
    assert elevenlabs_standin.synth_requests == 3
    assert [r.voice_id for r in elevenlabs_standin.requests] == ["rachel", "rachel", "adam"]
    await speak(tts, fmt=MULAW_8K)
    assert elevenlabs_standin.synth_requests == 3


async def test_audio_from_the_backup_is_cached_under_the_backup(
    chain: FallbackTextToSpeech,
    blobs: EmbeddedBlobStore,
    elevenlabs_standin: ElevenLabsStandIn,
    azure_speech_standin: AzureSpeechStandIn,
) -> None:
    elevenlabs_standin.error_status = 401
    tts = CachedTextToSpeech(chain, blobs, container=CONTAINER)
    assert await speak(tts) == azure_audio(TEXT, "raw-16khz-16bit-mono-pcm")
    assert [b.name for b in await blobs.list(CONTAINER)] == [
        cache_key(SpeechSource("azure", "jenny"), TEXT, PCM16_16K)
    ]

    again = await speak(tts)  # served from cache: neither service is asked again
    assert again == azure_audio(TEXT, "raw-16khz-16bit-mono-pcm")
    assert elevenlabs_standin.synth_requests == 1
    assert len(azure_speech_standin.ssml) == 1


async def test_sentence_that_failed_mid_stream_is_not_cached(
    chain: FallbackTextToSpeech, blobs: EmbeddedBlobStore, elevenlabs_standin: ElevenLabsStandIn
) -> None:
    elevenlabs_standin.fail_after_chunks = 1
    tts = CachedTextToSpeech(chain, blobs, container=CONTAINER)
    with pytest.raises(SpeechInterrupted):
        await speak(tts)
    assert await blobs.list(CONTAINER) == []
    elevenlabs_standin.fail_after_chunks = None
    assert await speak(tts) == elevenlabs_audio(TEXT, "pcm_16000")
    assert elevenlabs_standin.synth_requests == 2


async def test_abandoned_sentence_is_not_cached(
    chain: FallbackTextToSpeech, blobs: EmbeddedBlobStore
) -> None:
    tts = CachedTextToSpeech(chain, blobs, container=CONTAINER)
    stream = tts.synthesize(TEXT)
    assert await anext(stream)
    await stream.aclose()
    assert await blobs.list(CONTAINER) == []


async def test_a_broken_cache_never_silences_the_receptionist(
    chain: FallbackTextToSpeech, blobs: EmbeddedBlobStore, elevenlabs_standin: ElevenLabsStandIn
) -> None:
    tts = CachedTextToSpeech(chain, blobs, container="Not_A_Valid_Container")  # every store call fails
    assert await speak(tts) == elevenlabs_audio(TEXT, "pcm_16000")
    assert await speak(tts) == elevenlabs_audio(TEXT, "pcm_16000")
    assert elevenlabs_standin.synth_requests == 2


async def test_blank_text_touches_neither_store_nor_provider(
    chain: FallbackTextToSpeech, blobs: EmbeddedBlobStore, elevenlabs_standin: ElevenLabsStandIn
) -> None:
    tts = CachedTextToSpeech(chain, blobs, container=CONTAINER)
    assert await speak(tts, " \n") == b""
    assert elevenlabs_standin.synth_requests == 0


@pytest.mark.azure
async def test_cache_works_on_azure_blob_storage(
    chain: FallbackTextToSpeech, azurite: str, elevenlabs_standin: ElevenLabsStandIn
) -> None:
    blobs = open_blobs(Settings.from_env({"BLOBS_CONNECTION": azurite}))
    try:
        tts = CachedTextToSpeech(chain, blobs, container="tts-cache-azure")
        assert await speak(tts, fmt=MULAW_8K) == elevenlabs_audio(TEXT, "ulaw_8000")
        assert await speak(tts, fmt=MULAW_8K) == elevenlabs_audio(TEXT, "ulaw_8000")
        assert elevenlabs_standin.synth_requests == 1
        (stored,) = await blobs.list("tts-cache-azure")
        assert stored.content_type == "audio/basic"
        assert stored.metadata == {"provider": "elevenlabs", "format": "mulaw_8000"}
    finally:
        await blobs.close()
