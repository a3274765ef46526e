"""The Azure Speech STT and TTS adapters against the USP stand-in, through the unmodified Speech SDK."""

from __future__ import annotations

from collections.abc import AsyncIterator

import numpy as np
import pytest
from fixtures.azure_speech_standin import AzureSpeechStandIn, audio_for

from reddytalk.errors import BadAudio, ConfigurationError, ProviderError
from reddytalk.settings import Settings
from reddytalk.voice.azure_speech import SpeechEndpoint
from reddytalk.voice.formats import MULAW_8K, PCM16_16K, PCM16_24K, AudioFormat
from reddytalk.voice.stt.azure import AzureSpeechToText
from reddytalk.voice.stt.base import Transcript
from reddytalk.voice.tts.azure import AzureTextToSpeech, build_ssml

RATE = 16000


def tone(seconds: float) -> bytes:
    t = np.arange(round(seconds * RATE)) / RATE
    return (6000 * np.sin(2 * np.pi * 300 * t)).astype("<i2").tobytes()


def silence(seconds: float) -> bytes:
    return b"\0\0" * round(seconds * RATE)


def endpoint(standin: AzureSpeechStandIn, key: str = "speech-key") -> SpeechEndpoint:
    settings = Settings.from_env({"SPEECH_SERVICE_KEY": key, "SPEECH_SERVICE_HOST": standin.host})
    return SpeechEndpoint.from_settings(settings)


async def collect(stream: AsyncIterator[bytes]) -> list[bytes]:
    return [chunk async for chunk in stream]


# --- speech to text ----------------------------------------------------------------------------


async def test_transcribe_returns_the_phrases_with_timings_from_the_audio(
    azure_speech_standin: AzureSpeechStandIn,
) -> None:
    azure_speech_standin.phrases = ["I'd like to see Dr. Okafor.", "Tuesday works."]
    stt = AzureSpeechToText(endpoint(azure_speech_standin))
    audio = silence(0.5) + tone(1.0) + silence(0.6) + tone(0.8) + silence(0.3)

    result = await stt.transcribe(audio, RATE, hints=["Okafor"])

    assert result.text == "I'd like to see Dr. Okafor. Tuesday works."
    assert result.is_final
    assert result.start_s == pytest.approx(0.5, abs=0.01)
    assert result.end_s == pytest.approx(2.9, abs=0.01)
    assert result.confidence == pytest.approx(0.91)
    assert azure_speech_standin.keys == ["speech-key"]
    assert "/speech/recognition/conversation/" in azure_speech_standin.paths[0]
    groups = azure_speech_standin.contexts[0]["dgi"]["Groups"]
    assert groups[0]["Items"] == [{"Text": "Okafor"}], "hints must reach the service as a phrase list"


async def test_stream_yields_partials_then_finals_as_audio_is_fed(
    azure_speech_standin: AzureSpeechStandIn,
) -> None:
    azure_speech_standin.phrases = ["Book me with Dr. Lee please."]
    stream = AzureSpeechToText(endpoint(azure_speech_standin)).open_stream(sample_rate=RATE)
    audio = silence(0.2) + tone(1.2) + silence(0.4)
    for offset in range(0, len(audio), 640):  # 20 ms frames, like a call
        await stream.feed(audio[offset : offset + 640])
    await stream.finish()
    results: list[Transcript] = [t async for t in stream.results()]

    partials = [t for t in results if not t.is_final]
    finals = [t for t in results if t.is_final]
    assert partials, "the caller's words must show up before the utterance ends"
    assert results.index(finals[0]) > results.index(partials[0])
    assert partials[0].text == "book"
    assert [f.text for f in finals] == ["Book me with Dr. Lee please."]
    assert finals[0].start_s == pytest.approx(0.2, abs=0.01)
    assert finals[0].end_s == pytest.approx(1.4, abs=0.01)


async def test_silence_gives_an_empty_final_transcript(azure_speech_standin: AzureSpeechStandIn) -> None:
    result = await AzureSpeechToText(endpoint(azure_speech_standin)).transcribe(silence(1.0))
    assert result == Transcript(text="", is_final=True, start_s=0.0, end_s=1.0)


@pytest.mark.parametrize(("status", "transient"), [(401, False), (403, False), (500, True)])
async def test_rejected_connection_is_translated(
    azure_speech_standin: AzureSpeechStandIn, status: int, transient: bool
) -> None:
    azure_speech_standin.reject_status = status
    with pytest.raises(ProviderError) as caught:
        await AzureSpeechToText(endpoint(azure_speech_standin)).transcribe(tone(0.5))
    assert caught.value.provider == "azure"
    assert caught.value.transient is transient


async def test_connection_closed_mid_recognition_is_reported(
    azure_speech_standin: AzureSpeechStandIn,
) -> None:
    azure_speech_standin.fail_after_chunks = 3
    azure_speech_standin.close_code = 1007  # the service's "bad request" close
    with pytest.raises(ProviderError) as caught:
        await AzureSpeechToText(endpoint(azure_speech_standin)).transcribe(tone(2.0))
    assert caught.value.transient is False
    assert "BadRequest" in caught.value.message


async def test_bad_audio_is_refused_before_any_connection(azure_speech_standin: AzureSpeechStandIn) -> None:
    stt = AzureSpeechToText(endpoint(azure_speech_standin))
    with pytest.raises(BadAudio):
        await stt.transcribe(b"\x01\x02\x03")
    with pytest.raises(BadAudio):
        await stt.transcribe(tone(0.1), 44100)
    assert azure_speech_standin.connections == 0


def test_endpoint_without_key_or_location_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        SpeechEndpoint(key="").new_config()
    with pytest.raises(ConfigurationError):
        SpeechEndpoint(key="k").new_config()


# --- text to speech ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "service_format"),
    [
        (PCM16_16K, "raw-16khz-16bit-mono-pcm"),
        (PCM16_24K, "raw-24khz-16bit-mono-pcm"),
        (MULAW_8K, "raw-8khz-8bit-mono-mulaw"),
    ],
)
async def test_synthesis_streams_the_matching_raw_format(
    azure_speech_standin: AzureSpeechStandIn, fmt: AudioFormat, service_format: str
) -> None:
    tts = AzureTextToSpeech(endpoint(azure_speech_standin), voice="en-US-AvaNeural")
    text = "Your visit is confirmed."
    chunks = await collect(tts.synthesize(text, fmt=fmt))

    assert b"".join(chunks) == audio_for(text, service_format)
    assert len(chunks) > 1, "audio must arrive as it is made"
    assert azure_speech_standin.output_formats == [service_format]
    assert '<voice name="en-US-AvaNeural">Your visit is confirmed.</voice>' in azure_speech_standin.ssml[0]


async def test_text_is_escaped_in_ssml(azure_speech_standin: AzureSpeechStandIn) -> None:
    tts = AzureTextToSpeech(endpoint(azure_speech_standin))
    await collect(tts.synthesize("Smith & Sons <b>", voice="en-US-JennyNeural"))
    assert "Smith &amp; Sons &lt;b&gt;" in azure_speech_standin.ssml[0]
    assert build_ssml("a<b", "v'x", "en-US").count("<voice") == 1


@pytest.mark.parametrize(("status", "transient"), [(401, False), (429, True)])
async def test_synthesis_errors_are_translated(
    azure_speech_standin: AzureSpeechStandIn, status: int, transient: bool
) -> None:
    azure_speech_standin.reject_status = status
    with pytest.raises(ProviderError) as caught:
        await collect(AzureTextToSpeech(endpoint(azure_speech_standin)).synthesize("Hello."))
    assert caught.value.transient is transient


async def test_synthesis_failing_mid_stream_raises_after_the_first_audio(
    azure_speech_standin: AzureSpeechStandIn,
) -> None:
    azure_speech_standin.fail_after_chunks = 2
    received: list[bytes] = []
    with pytest.raises(ProviderError) as caught:
        async for chunk in AzureTextToSpeech(endpoint(azure_speech_standin)).synthesize(
            "A long sentence that takes several chunks to speak."
        ):
            received.append(chunk)
    assert caught.value.transient is True
    assert len(b"".join(received)) == 2 * 3200


async def test_unsupported_format_is_permanent(azure_speech_standin: AzureSpeechStandIn) -> None:
    with pytest.raises(ProviderError) as caught:
        await collect(
            AzureTextToSpeech(endpoint(azure_speech_standin)).synthesize(
                "Hi", fmt=AudioFormat("mulaw", 16000)
            )
        )
    assert caught.value.transient is False
    assert azure_speech_standin.connections == 0


async def test_abandoned_synthesis_stops_cleanly(azure_speech_standin: AzureSpeechStandIn) -> None:
    azure_speech_standin.chunk_seconds = 0.02
    tts = AzureTextToSpeech(endpoint(azure_speech_standin))
    stream = tts.synthesize("A sentence the caller talks over before it is finished.")
    first = await anext(stream)
    await stream.aclose()  # barge-in
    assert first
    # the next sentence on a fresh session works
    assert await collect(tts.synthesize("Sorry, go ahead."))


async def test_adapters_implement_the_voice_interfaces(azure_speech_standin: AzureSpeechStandIn) -> None:
    from reddytalk.voice.stt.base import SpeechToText, SttStream
    from reddytalk.voice.tts.base import TextToSpeech

    stt = AzureSpeechToText(endpoint(azure_speech_standin))
    assert isinstance(stt, SpeechToText)
    assert isinstance(stt.open_stream(), SttStream)
    assert isinstance(AzureTextToSpeech(endpoint(azure_speech_standin)), TextToSpeech)


async def test_abandoned_recognition_ends_cleanly(azure_speech_standin: AzureSpeechStandIn) -> None:
    stream = AzureSpeechToText(endpoint(azure_speech_standin)).open_stream()
    await stream.feed(tone(0.5))
    await stream.aclose()  # the caller hung up mid-utterance
    with pytest.raises(BadAudio):
        await stream.feed(tone(0.1))
