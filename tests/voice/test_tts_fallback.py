"""The TTS fallback chain over real adapters and their wire-level stand-ins (no patched code)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from fixtures.azure_speech_standin import AzureSpeechStandIn
from fixtures.azure_speech_standin import audio_for as azure_audio
from fixtures.elevenlabs_standin import API_KEY, ElevenLabsStandIn
from fixtures.elevenlabs_standin import audio_for as elevenlabs_audio

from reddytalk.errors import ProviderError
from reddytalk.voice.azure_speech import SpeechEndpoint
from reddytalk.voice.formats import PCM16_16K
from reddytalk.voice.tts.azure import AzureTextToSpeech
from reddytalk.voice.tts.elevenlabs import ElevenLabsTextToSpeech
from reddytalk.voice.tts.fallback import ChainLink, FallbackTextToSpeech, SpeechInterrupted
from reddytalk.voice.tts.local import LocalTextToSpeech

TEXT = "Dr. Patel can see you on Tuesday at 10:30 a.m."


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def elevenlabs(elevenlabs_standin: ElevenLabsStandIn) -> AsyncIterator[ElevenLabsTextToSpeech]:
    provider = ElevenLabsTextToSpeech(
        api_key=API_KEY, voice_id="rachel", model_id="m", base_url=elevenlabs_standin.base_url
    )
    yield provider
    await provider.aclose()


@pytest.fixture
def azure(azure_speech_standin: AzureSpeechStandIn) -> AzureTextToSpeech:
    return AzureTextToSpeech(SpeechEndpoint(key="k", host=azure_speech_standin.host))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def chain(
    *providers: ElevenLabsTextToSpeech | AzureTextToSpeech | LocalTextToSpeech,
    clock: FakeClock | None = None,
    timeout_s: float = 2.0,
    breaker_failures: int = 3,
    transient_retries: int = 1,
) -> FallbackTextToSpeech:
    links = [ChainLink(p.name, (lambda p=p: p), default_voice="") for p in providers]
    return FallbackTextToSpeech(
        links,
        first_audio_timeout_s=timeout_s,
        breaker_failures=breaker_failures,
        breaker_cooldown_s=30.0,
        transient_retries=transient_retries,
        clock=clock or time.monotonic,
    )


async def speak(tts: FallbackTextToSpeech, text: str = TEXT) -> bytes:
    return b"".join([chunk async for chunk in tts.synthesize(text, fmt=PCM16_16K)])


async def sources(tts: FallbackTextToSpeech, text: str = TEXT) -> set[str]:
    return {name async for name, _ in tts.synthesize_sourced(text, fmt=PCM16_16K)}


async def test_healthy_primary_speaks_and_backups_are_untouched(
    elevenlabs: ElevenLabsTextToSpeech,
    azure: AzureTextToSpeech,
    azure_speech_standin: AzureSpeechStandIn,
) -> None:
    audio = await speak(chain(elevenlabs, azure))
    assert audio == elevenlabs_audio(TEXT, "pcm_16000")
    assert azure_speech_standin.connections == 0


async def test_slow_primary_is_abandoned_after_the_first_audio_timeout(
    elevenlabs: ElevenLabsTextToSpeech,
    elevenlabs_standin: ElevenLabsStandIn,
    azure: AzureTextToSpeech,
) -> None:
    elevenlabs_standin.first_audio_delay_s = 5.0
    started = time.perf_counter()
    audio = await speak(chain(elevenlabs, azure, timeout_s=0.4))
    elapsed = time.perf_counter() - started

    assert audio == azure_audio(TEXT, "raw-16khz-16bit-mono-pcm")
    assert elapsed < 3.0, "the caller must not wait for the slow provider"
    assert elevenlabs_standin.synth_requests == 1, "a timed-out provider is not retried"


async def test_permanent_error_moves_on_at_once_without_retry(
    elevenlabs: ElevenLabsTextToSpeech,
    elevenlabs_standin: ElevenLabsStandIn,
    azure: AzureTextToSpeech,
) -> None:
    elevenlabs_standin.error_status = 401
    tts = chain(elevenlabs, azure)
    assert await sources(tts) == {"azure"}
    assert elevenlabs_standin.synth_requests == 1


async def test_transient_error_gets_one_retry_of_the_same_provider(
    elevenlabs: ElevenLabsTextToSpeech,
    elevenlabs_standin: ElevenLabsStandIn,
    azure: AzureTextToSpeech,
    azure_speech_standin: AzureSpeechStandIn,
) -> None:
    elevenlabs_standin.error_statuses = [503]  # the first request fails, the retry succeeds
    assert await sources(chain(elevenlabs, azure)) == {"elevenlabs"}
    assert elevenlabs_standin.synth_requests == 2
    assert azure_speech_standin.connections == 0


async def test_transient_errors_on_every_try_fall_through_to_the_next_provider(
    elevenlabs: ElevenLabsTextToSpeech,
    elevenlabs_standin: ElevenLabsStandIn,
    azure: AzureTextToSpeech,
) -> None:
    elevenlabs_standin.error_status = 429
    assert await sources(chain(elevenlabs, azure)) == {"azure"}
    assert elevenlabs_standin.synth_requests == 2


async def test_failure_mid_stream_ends_the_sentence_and_never_replays_it(
    elevenlabs: ElevenLabsTextToSpeech,
    elevenlabs_standin: ElevenLabsStandIn,
    azure: AzureTextToSpeech,
    azure_speech_standin: AzureSpeechStandIn,
) -> None:
    elevenlabs_standin.fail_after_chunks = 2
    tts = chain(elevenlabs, azure)
    heard: list[tuple[str, bytes]] = []
    with pytest.raises(SpeechInterrupted) as caught:
        async for item in tts.synthesize_sourced(TEXT, fmt=PCM16_16K):
            heard.append(item)

    assert caught.value.provider == "elevenlabs"
    assert {name for name, _ in heard} == {"elevenlabs"}
    full = elevenlabs_audio(TEXT, "pcm_16000")
    played = b"".join(chunk for _, chunk in heard)
    assert 0 < len(played) < len(full)
    assert full.startswith(played), "what was played is the true start of the sentence"
    assert azure_speech_standin.connections == 0, "the sentence must not be replayed by the backup"
    assert elevenlabs_standin.synth_requests == 1
    # the next sentence is spoken normally
    elevenlabs_standin.fail_after_chunks = None
    assert await sources(tts, "Anything else?") == {"elevenlabs"}


async def test_local_engine_is_the_last_resort(
    elevenlabs: ElevenLabsTextToSpeech,
    elevenlabs_standin: ElevenLabsStandIn,
    azure: AzureTextToSpeech,
    azure_speech_standin: AzureSpeechStandIn,
) -> None:
    elevenlabs_standin.error_status = 401
    azure_speech_standin.reject_status = 401
    tts = chain(elevenlabs, azure, LocalTextToSpeech())
    heard = [item async for item in tts.synthesize_sourced("Thank you for calling.", fmt=PCM16_16K)]
    assert {name for name, _ in heard} == {"local"}
    assert len(b"".join(c for _, c in heard)) > PCM16_16K.bytes_for(0.5)


async def test_all_providers_failing_raises_one_error_naming_each(
    elevenlabs: ElevenLabsTextToSpeech,
    elevenlabs_standin: ElevenLabsStandIn,
    azure: AzureTextToSpeech,
    azure_speech_standin: AzureSpeechStandIn,
) -> None:
    elevenlabs_standin.error_status = 401
    azure_speech_standin.reject_status = 403
    with pytest.raises(ProviderError) as caught:
        await speak(chain(elevenlabs, azure))
    assert caught.value.provider == "tts"
    assert caught.value.transient is False
    assert "elevenlabs" in caught.value.message and "azure" in caught.value.message


async def test_circuit_opens_after_consecutive_failures_and_half_opens_after_cooldown(
    elevenlabs: ElevenLabsTextToSpeech,
    elevenlabs_standin: ElevenLabsStandIn,
    azure: AzureTextToSpeech,
    clock: FakeClock,
) -> None:
    elevenlabs_standin.error_status = 503
    tts = chain(elevenlabs, azure, clock=clock, breaker_failures=2, transient_retries=0)

    assert await sources(tts) == {"azure"}
    assert await sources(tts) == {"azure"}
    assert tts.breakers["elevenlabs"].state == "open"
    assert elevenlabs_standin.synth_requests == 2

    assert await sources(tts) == {"azure"}
    assert elevenlabs_standin.synth_requests == 2, "an open circuit must not call the provider"

    clock.now += 31  # cool-down over: one trial call, which fails -> open again
    assert await sources(tts) == {"azure"}
    assert elevenlabs_standin.synth_requests == 3
    assert tts.breakers["elevenlabs"].state == "open"
    assert await sources(tts) == {"azure"}
    assert elevenlabs_standin.synth_requests == 3

    clock.now += 31  # the provider has recovered: the trial succeeds and closes the circuit
    elevenlabs_standin.error_status = None
    assert await sources(tts) == {"elevenlabs"}
    assert tts.breakers["elevenlabs"].state == "closed"
    assert await sources(tts) == {"elevenlabs"}
    assert elevenlabs_standin.synth_requests == 5


async def test_caller_stopping_early_closes_the_stream_without_blaming_the_provider(
    elevenlabs: ElevenLabsTextToSpeech,
    azure: AzureTextToSpeech,
    azure_speech_standin: AzureSpeechStandIn,
) -> None:
    tts = chain(elevenlabs, azure, breaker_failures=1)
    stream = tts.synthesize(TEXT, fmt=PCM16_16K)
    assert await anext(stream)
    await stream.aclose()  # barge-in
    assert tts.breakers["elevenlabs"].state == "closed"
    assert await sources(tts) == {"elevenlabs"}
    assert azure_speech_standin.connections == 0


async def test_blank_text_makes_no_request(
    elevenlabs: ElevenLabsTextToSpeech, elevenlabs_standin: ElevenLabsStandIn
) -> None:
    assert await speak(chain(elevenlabs), "   ") == b""
    assert elevenlabs_standin.synth_requests == 0


async def test_stalled_azure_synthesis_is_stopped_and_the_next_provider_speaks(
    azure: AzureTextToSpeech, azure_speech_standin: AzureSpeechStandIn
) -> None:
    azure_speech_standin.first_audio_delay_s = 5.0
    tts = chain(azure, LocalTextToSpeech(), timeout_s=0.4)
    started = time.perf_counter()
    heard = [item async for item in tts.synthesize_sourced("Please hold.", fmt=PCM16_16K)]
    assert {name for name, _ in heard} == {"local"}
    assert time.perf_counter() - started < 3.0
    assert tts.breakers["azure"].state == "closed"  # one failure, below the threshold


async def test_failover_logs_carry_no_spoken_text(
    elevenlabs: ElevenLabsTextToSpeech,
    elevenlabs_standin: ElevenLabsStandIn,
    azure: AzureTextToSpeech,
    caplog: pytest.LogCaptureFixture,
) -> None:
    elevenlabs_standin.error_status = 422
    sentence = "Margaret Okonkwo, your results are ready."
    with caplog.at_level("DEBUG"):
        assert await sources(chain(elevenlabs, azure), sentence) == {"azure"}
    failures = [r for r in caplog.records if r.name == "reddytalk.resilience.chain"]
    assert failures and failures[0].__dict__["provider"] == "elevenlabs"
    ours = [r for r in caplog.records if not r.name.startswith(("websockets.server", "uvicorn"))]  # stand-ins
    leaks = [r.name for r in ours if "Okonkwo" in r.getMessage() + str(r.__dict__)]
    assert not leaks, leaks
