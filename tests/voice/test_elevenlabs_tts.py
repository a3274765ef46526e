"""The ElevenLabs adapter against the HTTP stand-in, through the unmodified ``elevenlabs`` SDK."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from fixtures.elevenlabs_standin import API_KEY, ElevenLabsStandIn, audio_for

from reddytalk.errors import ConfigurationError, ProviderError
from reddytalk.settings import Settings
from reddytalk.voice.formats import MULAW_8K, PCM16_16K, PCM16_24K, AudioFormat
from reddytalk.voice.tts.elevenlabs import ElevenLabsTextToSpeech


@pytest.fixture
async def tts(elevenlabs_standin: ElevenLabsStandIn) -> AsyncIterator[ElevenLabsTextToSpeech]:
    settings = Settings.from_env(
        {
            "ELEVENLABS_API_KEY": API_KEY,
            "ELEVENLABS_BASE_URL": elevenlabs_standin.base_url,
            "ELEVENLABS_VOICE_ID": "voice-rachel",
            "ELEVENLABS_MODEL": "eleven_flash_v2_5",
        }
    )
    provider = ElevenLabsTextToSpeech.from_settings(settings)
    yield provider
    await provider.aclose()


async def collect(stream: AsyncIterator[bytes]) -> list[bytes]:
    return [chunk async for chunk in stream]


@pytest.mark.parametrize(
    ("fmt", "wire_format"),
    [(PCM16_16K, "pcm_16000"), (PCM16_24K, "pcm_24000"), (MULAW_8K, "ulaw_8000")],
)
async def test_streams_the_requested_raw_format(
    tts: ElevenLabsTextToSpeech, elevenlabs_standin: ElevenLabsStandIn, fmt: AudioFormat, wire_format: str
) -> None:
    text = "Your appointment with Dr. Patel is at 10:30 a.m."
    chunks = await collect(tts.synthesize(text, fmt=fmt))

    assert b"".join(chunks) == audio_for(text, wire_format)
    assert len(chunks) > 1, "audio must arrive as a stream, not one blob"
    assert all(len(c) % fmt.bytes_per_sample == 0 for c in chunks)
    (seen,) = elevenlabs_standin.requests
    assert seen.path == "/v1/text-to-speech/voice-rachel/stream"
    assert seen.query["output_format"] == wire_format
    assert seen.api_key == API_KEY
    assert seen.body["text"] == text
    assert seen.body["model_id"] == "eleven_flash_v2_5"


async def test_voice_argument_overrides_the_default_voice(
    tts: ElevenLabsTextToSpeech, elevenlabs_standin: ElevenLabsStandIn
) -> None:
    await collect(tts.synthesize("Hello.", voice="voice-adam"))
    assert elevenlabs_standin.requests[0].voice_id == "voice-adam"


async def test_odd_sized_body_pieces_are_realigned_to_whole_samples(
    tts: ElevenLabsTextToSpeech, elevenlabs_standin: ElevenLabsStandIn
) -> None:
    elevenlabs_standin.chunk_bytes = 333  # the server slices at odd byte counts
    text = "Please hold while I check the schedule."
    chunks = await collect(tts.synthesize(text, fmt=PCM16_16K))
    assert all(len(c) % 2 == 0 for c in chunks)
    assert b"".join(chunks) == audio_for(text, "pcm_16000")


@pytest.mark.parametrize(
    ("status", "transient"),
    [(401, False), (422, False), (429, True), (503, True)],
)
async def test_vendor_errors_are_translated_with_their_category(
    tts: ElevenLabsTextToSpeech, elevenlabs_standin: ElevenLabsStandIn, status: int, transient: bool
) -> None:
    elevenlabs_standin.error_status = status
    with pytest.raises(ProviderError) as caught:
        await collect(tts.synthesize("Hello."))
    assert caught.value.provider == "elevenlabs"
    assert caught.value.transient is transient
    assert str(status) in caught.value.message
    assert len(elevenlabs_standin.requests) == 1, "the SDK must not retry streaming calls on its own"


async def test_wrong_key_is_a_permanent_error(elevenlabs_standin: ElevenLabsStandIn) -> None:
    provider = ElevenLabsTextToSpeech(
        api_key="wrong", voice_id="v", model_id="m", base_url=elevenlabs_standin.base_url
    )
    try:
        with pytest.raises(ProviderError) as caught:
            await collect(provider.synthesize("Hello."))
    finally:
        await provider.aclose()
    assert caught.value.transient is False
    assert "invalid_api_key" in caught.value.message


async def test_connection_dropped_mid_stream_is_transient_after_some_audio(
    tts: ElevenLabsTextToSpeech, elevenlabs_standin: ElevenLabsStandIn
) -> None:
    elevenlabs_standin.fail_after_chunks = 2
    received: list[bytes] = []
    with pytest.raises(ProviderError) as caught:
        async for chunk in tts.synthesize("A sentence long enough to need several chunks of audio."):
            received.append(chunk)
    assert caught.value.transient is True
    assert 0 < len(b"".join(received)) <= 2 * elevenlabs_standin.chunk_bytes


async def test_unreachable_service_is_transient() -> None:
    provider = ElevenLabsTextToSpeech(api_key="k", voice_id="v", model_id="m", base_url="http://127.0.0.1:9")
    try:
        with pytest.raises(ProviderError) as caught:
            await collect(provider.synthesize("Hello."))
    finally:
        await provider.aclose()
    assert caught.value.transient is True


async def test_unsupported_format_is_permanent_without_a_request(
    tts: ElevenLabsTextToSpeech, elevenlabs_standin: ElevenLabsStandIn
) -> None:
    with pytest.raises(ProviderError) as caught:
        await collect(tts.synthesize("Hello.", fmt=AudioFormat("mulaw", 16000)))
    assert caught.value.transient is False
    assert elevenlabs_standin.requests == []


def test_missing_key_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        ElevenLabsTextToSpeech.from_settings(Settings.from_env({}))


def test_one_provider_serves_several_event_loops(elevenlabs_standin: ElevenLabsStandIn) -> None:
    """The provider is process-wide (``get_services``); each event loop gets its own HTTP pool."""
    provider = ElevenLabsTextToSpeech(
        api_key=API_KEY, voice_id="v", model_id="m", base_url=elevenlabs_standin.base_url
    )
    first, second = asyncio.new_event_loop(), asyncio.new_event_loop()
    try:
        a = first.run_until_complete(collect(provider.synthesize("Hello there.")))
        b = second.run_until_complete(collect(provider.synthesize("Hello there.")))
        again = first.run_until_complete(collect(provider.synthesize("Hello there.")))
        assert b"".join(a) == b"".join(b) == b"".join(again) == audio_for("Hello there.", "pcm_16000")
    finally:
        first.run_until_complete(provider.aclose())
        second.run_until_complete(provider.aclose())
        first.close()
        second.close()


async def test_read_timeout_is_transient(elevenlabs_standin: ElevenLabsStandIn) -> None:
    elevenlabs_standin.first_audio_delay_s = 3.0
    provider = ElevenLabsTextToSpeech(
        api_key=API_KEY, voice_id="v", model_id="m", base_url=elevenlabs_standin.base_url, timeout_s=0.3
    )
    try:
        with pytest.raises(ProviderError) as caught:
            await collect(provider.synthesize("Hello."))
    finally:
        await provider.aclose()
    assert caught.value.transient is True
    assert "timed out" in caught.value.message
