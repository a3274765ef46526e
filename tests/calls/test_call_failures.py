"""Never silent: speech-to-text, the language model and text-to-speech each fail, the call goes on.

The cloud providers are the wire-level stand-ins (Azure Speech over its WebSocket protocol, the
OpenAI chat API, ElevenLabs over HTTP), driven by the unmodified SDKs inside the real local host;
the backups are the embedded engines (whisper, the local brain, eSpeak NG). Each call meets one
stage's four failure kinds (5xx, 429, a hang past the time limit, a stream cut mid-reply), one per
turn, in forward and reverse order, so every kind is met at the first turn or a later one.
Every turn must still reach the caller as audio, its record must name what failed, and when the
caller hangs up the post-call work must have run: transcript filed, raw audio purged.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from callkit import CallWorld, host_env, seed, start_host
from fixtures.azure_speech_standin import AzureSpeechStandIn
from fixtures.elevenlabs_standin import API_KEY as ELEVENLABS_KEY
from fixtures.elevenlabs_standin import ElevenLabsStandIn
from fixtures.openai_standin import OPENAI_KEY, OpenAIStandIn, ThreadedOpenAIStandIn, cut, error, stall, text

from reddytalk.calls.post_call import transcript_id
from reddytalk.calls.records import CallRecords
from reddytalk.client.caller import CallerClient
from reddytalk.services import close_services
from reddytalk.stores.blobs.embedded import EmbeddedBlobStore
from reddytalk.stores.documents.embedded import EmbeddedDocumentStore

pytestmark = pytest.mark.engines

LINE = "What are your hours?"
KINDS = ["5xx", "429", "timeout", "cut"]
LIMIT_S = 1.5  # per-provider time limit in this host; a hang lasts longer
HANG_S = 4.0
STT_LIMIT_S = 5.0  # whisper, the backup, may load its model on first use on a busy test machine
STT_HANG_S = 10.0


@dataclass
class Cloud:
    speech: AzureSpeechStandIn
    elevenlabs: ElevenLabsStandIn
    openai: OpenAIStandIn

    def heal(self) -> None:
        self.speech.reject_status = None
        self.speech.recognition_delay_s = 0.0
        self.speech.fail_after_chunks = None
        self.elevenlabs.error_status = None
        self.elevenlabs.first_audio_delay_s = 0.0
        self.elevenlabs.fail_after_chunks = None


def break_stt(cloud: Cloud, kind: str) -> None:
    if kind in ("5xx", "429"):
        cloud.speech.reject_status = 503 if kind == "5xx" else 429
    elif kind == "timeout":
        cloud.speech.recognition_delay_s = STT_HANG_S
    else:
        cloud.speech.fail_after_chunks = 0  # the socket closes as the audio starts to arrive


def break_tts(cloud: Cloud, kind: str) -> None:
    if kind in ("5xx", "429"):
        cloud.elevenlabs.error_status = 500 if kind == "5xx" else 429
    elif kind == "timeout":
        cloud.elevenlabs.first_audio_delay_s = HANG_S
    else:
        cloud.elevenlabs.fail_after_chunks = 1  # the first chunk plays, then the connection drops


LLM_FAULTS = {
    "5xx": error(500),
    "429": error(429, retry_after_ms=10),
    "timeout": stall(HANG_S),
    "cut": cut("Sure, "),
}

BREAK: dict[str, Callable[[Cloud, str], None]] = {"stt": break_stt, "tts": break_tts}


@pytest.fixture(scope="module")
def cloud() -> Iterator[Cloud]:
    speech = AzureSpeechStandIn().start()
    speech.phrases = [LINE]
    elevenlabs = ElevenLabsStandIn().start()
    openai = ThreadedOpenAIStandIn()
    try:
        yield Cloud(speech, elevenlabs, openai.start())
    finally:
        openai.stop()
        elevenlabs.stop()
        speech.stop()


@pytest.fixture(scope="module")
def cloud_world(tmp_path_factory: pytest.TempPathFactory, cloud: Cloud) -> Iterator[CallWorld]:
    state = tmp_path_factory.mktemp("failing-cloud")
    practice_id = seed(state)
    env = host_env(
        state,
        STT_PROVIDERS="azure,local",
        SPEECH_SERVICE_KEY="speech-key",
        SPEECH_SERVICE_HOST=cloud.speech.host,
        STT_TIMEOUT_SECONDS=str(STT_LIMIT_S),
        STT_BREAKER_COOLDOWN_SECONDS="0",
        LLM_PROVIDER="openai",
        OPENAI_API_KEY=OPENAI_KEY,
        OPENAI_BASE_URL=cloud.openai.base_url,
        LLM_MAX_ATTEMPTS="1",  # no in-brain retry: the failure reaches the fallback
        LLM_TIMEOUT_SECONDS=str(LIMIT_S),
        TTS_PROVIDERS="elevenlabs,local",
        ELEVENLABS_API_KEY=ELEVENLABS_KEY,
        ELEVENLABS_BASE_URL=cloud.elevenlabs.base_url,
        TTS_TIMEOUT_SECONDS=str(LIMIT_S),
        TTS_BREAKER_COOLDOWN_SECONDS="0",
        IDLE_TIMEOUT_SECONDS="30",
    )
    handle = start_host(state, env)
    try:
        yield CallWorld(handle.base_url, state, practice_id)
    finally:
        handle.run(close_services())
        handle.stop()


_replies = itertools.count()


@pytest.mark.parametrize("order", ["forward", "reverse"])
@pytest.mark.parametrize("stage", ["stt", "llm", "tts"])
async def test_a_failing_provider_never_leaves_the_caller_in_silence(
    cloud_world: CallWorld, cloud: Cloud, voice, stage: str, order: str
) -> None:
    kinds = KINDS if order == "forward" else KINDS[::-1]
    pcm = await voice(LINE)
    async with CallerClient(cloud_world.base_url, realtime=False) as caller:
        await caller.start(cloud_world.practice_id, consent=True)
        assert (await caller.wait_greeting()).audio
        for kind in kinds:
            # A fresh sentence each turn, so the TTS cache cannot hide a failing voice.
            reply = text(f"We are open from eight to five, reply {next(_replies)}.")
            cloud.openai.script[:] = [LLM_FAULTS[kind]] if stage == "llm" else [reply]
            cloud.openai.default = reply
            if stage in BREAK:
                BREAK[stage](cloud, kind)
            try:
                turn = await caller.say(pcm, timeout=90)
            finally:
                cloud.heal()
            assert turn.audio, f"{stage} {kind}: the caller heard nothing"
            assert turn.done is not None and turn.done["reply"]
            named = {(f["stage"], f["provider"]) for f in turn.done["failures"]}
            provider = {"stt": "azure", "llm": "openai", "tts": "elevenlabs"}[stage]
            if (stage, kind) == ("llm", "cut"):
                # The OpenAI brain keeps a reply cut mid-stream (the caller heard its start) and
                # notes the cut, so the turn record names it.
                assert turn.done["reply"].startswith("Sure")
                codes = {(f["stage"], f["provider"], f["code"]) for f in turn.done["failures"]}
                assert ("llm", "openai", "stream_cut") in codes, turn.done["failures"]
            assert (stage, provider) in named, f"{stage} {kind}: failures {turn.done['failures']}"
        ended = await caller.hang_up()

    assert ended is not None and ended["reason"] == "hangup" and ended["turns"] == len(kinds)
    documents = EmbeddedDocumentStore(cloud_world.state / "documents.sqlite3")
    blobs = EmbeddedBlobStore(cloud_world.state / "blobs")
    try:
        records = CallRecords(documents)
        for number in range(1, len(kinds) + 1):
            saved = await records.saved_turn(caller.session_id, number)
            assert saved is not None
            assert saved.failures, f"{stage} {kinds[number - 1]}: the turn record names no failure"
            assert all(f.stage == stage for f in saved.failures), saved.failures
        assert ended["transcript_id"] == transcript_id(caller.session_id)
        assert await blobs.list("utterances", prefix=f"{caller.session_id}/") == [], "raw audio purged"
    finally:
        await documents.close()
        await blobs.close()
