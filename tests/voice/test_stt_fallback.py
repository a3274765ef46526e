"""The speech-to-text fallback chain: Azure Speech (its wire-level stand-in) first, whisper as backup.

Same rule as the TTS chain (one implementation, ``reddytalk.resilience.chain``): a failing or slow
primary costs one bounded attempt, the backup answers, the failure is noted as a turn incident, and
a primary that keeps failing is skipped by its circuit breaker until the cool-down ends.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from fixtures.azure_speech_standin import AzureSpeechStandIn

from reddytalk.errors import ProviderError
from reddytalk.resilience import incidents
from reddytalk.resilience.chain import Link
from reddytalk.voice.azure_speech import SpeechEndpoint
from reddytalk.voice.stt.azure import AzureSpeechToText
from reddytalk.voice.stt.base import SpeechToText
from reddytalk.voice.stt.fallback import FallbackSpeechToText
from reddytalk.voice.stt.local import LocalSpeechToText
from reddytalk.voice.tts.local import LocalTextToSpeech

pytestmark = pytest.mark.engines

LINE = "I would like to book an appointment"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def speech(local_tts: LocalTextToSpeech) -> bytes:
    async def say() -> bytes:
        return b"".join([chunk async for chunk in local_tts.synthesize(LINE)])

    return bytes(3200) + asyncio.run(say()) + bytes(6400)


def chain(
    azure_speech_standin: AzureSpeechStandIn, local_stt: LocalSpeechToText, clock: FakeClock, **kw: float
) -> FallbackSpeechToText:
    azure = AzureSpeechToText(SpeechEndpoint(key="k", host=azure_speech_standin.host), finish_timeout_s=5)
    links: list[Link[SpeechToText]] = [Link("azure", lambda: azure), Link("local", lambda: local_stt)]
    return FallbackSpeechToText(
        links,
        timeout_s=kw.get("timeout_s", 4.0),
        breaker_failures=int(kw.get("breaker_failures", 3)),
        breaker_cooldown_s=30,
        transient_retries=0,
        clock=clock,
    )


async def test_the_primary_answers_when_it_is_healthy(
    azure_speech_standin: AzureSpeechStandIn, local_stt: LocalSpeechToText, speech: bytes
) -> None:
    azure_speech_standin.phrases = ["From Azure."]
    with incidents.collecting() as found:
        result = await chain(azure_speech_standin, local_stt, FakeClock()).transcribe(speech)
    assert result.text == "From Azure." and found == []


@pytest.mark.parametrize("failure", ["503", "429", "cut", "hang"])
async def test_a_failing_primary_falls_back_to_whisper_and_is_noted(
    azure_speech_standin: AzureSpeechStandIn, local_stt: LocalSpeechToText, speech: bytes, failure: str
) -> None:
    azure_speech_standin.phrases = ["From Azure."]
    if failure in ("503", "429"):
        azure_speech_standin.reject_status = int(failure)
    elif failure == "cut":
        azure_speech_standin.fail_after_chunks = 0
    else:
        azure_speech_standin.recognition_delay_s = 12
    stt = chain(azure_speech_standin, local_stt, FakeClock(), timeout_s=3.0 if failure == "hang" else 4.0)
    started = time.perf_counter()
    with incidents.collecting() as found:
        result = await stt.transcribe(speech)
    assert "appointment" in result.text.lower()
    assert [(i.stage, i.provider) for i in found] == [("stt", "azure")]
    if failure == "hang":
        assert found[0].code == "provider_timeout"
        assert time.perf_counter() - started < 12, "the hung attempt was abandoned, not waited out"


async def test_the_breaker_skips_a_primary_that_keeps_failing_until_the_cooldown(
    azure_speech_standin: AzureSpeechStandIn, local_stt: LocalSpeechToText, speech: bytes
) -> None:
    clock = FakeClock()
    stt = chain(azure_speech_standin, local_stt, clock, breaker_failures=2)
    azure_speech_standin.reject_status = 503
    for _ in range(2):
        await stt.transcribe(speech)
    assert stt.breakers["azure"].state == "open"
    tried = azure_speech_standin.connections
    with incidents.collecting() as found:
        await stt.transcribe(speech)
    assert azure_speech_standin.connections == tried, "an open breaker costs no call"
    assert [i.code for i in found] == ["circuit_open"]
    azure_speech_standin.reject_status = None
    azure_speech_standin.phrases = ["Back again."]
    clock.now += 31
    assert (await stt.transcribe(speech)).text == "Back again."
    assert stt.breakers["azure"].state == "closed"


async def test_every_provider_failing_is_one_clear_error(
    azure_speech_standin: AzureSpeechStandIn, speech: bytes
) -> None:
    azure_speech_standin.reject_status = 503
    azure = AzureSpeechToText(SpeechEndpoint(key="k", host=azure_speech_standin.host), finish_timeout_s=5)
    stt = FallbackSpeechToText([Link("azure", lambda: azure)], timeout_s=4, transient_retries=0)
    with pytest.raises(ProviderError) as caught:
        await stt.transcribe(speech)
    assert caught.value.provider == "stt" and "azure" in caught.value.message


async def test_a_slow_primary_is_hedged_and_the_first_answer_wins(
    azure_speech_standin: AzureSpeechStandIn, local_stt: LocalSpeechToText, speech: bytes
) -> None:
    azure_speech_standin.phrases = ["From Azure."]
    azure_speech_standin.recognition_delay_s = 8  # slow, not failed: within its time limit
    azure = AzureSpeechToText(SpeechEndpoint(key="k", host=azure_speech_standin.host), finish_timeout_s=15)
    links: list[Link[SpeechToText]] = [Link("azure", lambda: azure), Link("local", lambda: local_stt)]
    stt = FallbackSpeechToText(links, timeout_s=12, hedge_after_s=0.5, transient_retries=0)
    with incidents.collecting() as found:
        result = await stt.transcribe(speech)
    assert "appointment" in result.text.lower(), "whisper, started at the hedge, answered first"
    assert [(i.stage, i.provider, i.code) for i in found] == [("stt", "azure", "hedged")]
    assert stt.breakers["azure"].state == "closed", "slow is not failed: the breaker does not count it"
