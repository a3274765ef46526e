"""One caller turn: hear (STT), think (the receptionist), speak (TTS pushed over SignalR).

``streaming_turn`` does all three in one step and overlaps them: the reply is split into sentences
as it streams from the agent, and each sentence is synthesized and pushed as soon as it is complete.
The staged steps (``transcribe``, ``respond``, ``synthesize``) do the same work as separate,
individually retried activities. Both produce the same ``TurnRecord``.

Every step is idempotent: a finished turn is saved, and a re-run (after a crash) returns the saved
record without pushing or booking anything again; the agent's tools are idempotent by turn key.
"""

from __future__ import annotations

import time
from typing import Any

from reddytalk.agent.receptionist import Receptionist, TextDelta, ToolUsed, TurnResult
from reddytalk.agent.state import ConversationState
from reddytalk.calls import messages
from reddytalk.calls.contracts import Call, Heard, ToolCallRecord, TurnRecord, TurnRequest, Utterance
from reddytalk.calls.hints import practice_hints
from reddytalk.calls.ingest import get_ingest
from reddytalk.calls.recording import offset_metadata
from reddytalk.calls.records import CallRecords, reply_blob
from reddytalk.calls.speaker import Speaker
from reddytalk.messages.publish import staff_publisher
from reddytalk.services import Services
from reddytalk.voice.formats import MULAW_8K, PCM16_16K, AudioFormat
from reddytalk.voice.text import SentenceSplitter


def call_format(call: Call) -> AudioFormat:
    return MULAW_8K if call.audio_format == "mulaw/8000" else PCM16_16K


def _ms(since: float, at: float | None = None) -> float:
    return round(((at if at is not None else time.time()) - since) * 1000, 1)


def receptionist(services: Services, practice_id: str) -> Receptionist:
    return Receptionist(
        documents=services.documents,
        brain=services.brain,
        practice_id=practice_id,
        now=services.now,
        publish=staff_publisher(services),
    )


async def hear(services: Services, call: Call, utterance: Utterance) -> tuple[str, float, bool]:
    """The caller's words: the speculative transcript when there is one, else transcribe the blob now."""
    if utterance.transcript is not None:
        return utterance.transcript, utterance.transcript_ms or 0.0, True
    speculated = await get_ingest(services).speculative_transcript(utterance.blob)
    if speculated is not None:
        return speculated[0], speculated[1], True
    pcm = await services.blobs.get(services.settings.utterances_container, utterance.blob)
    started = time.perf_counter()
    hints = await practice_hints(services, call.practice_id)
    transcript = await services.stt.transcribe(pcm, utterance.sample_rate, hints=hints)
    return transcript.text.strip(), round((time.perf_counter() - started) * 1000, 1), False


def _speaker(services: Services, call: Call, turn: int) -> Speaker:
    records = CallRecords(services.documents)

    async def should_stop() -> bool:
        return await records.should_stop(call.practice_id, call.session_id, turn)

    return Speaker(
        session_id=call.session_id,
        turn=turn,
        fmt=call_format(call),
        tts=services.tts,
        signalr=services.signalr,
        should_stop=should_stop,
        lead_seconds=services.settings.reply_audio_lead_ms / 1000,
    )


async def _push(services: Services, call: Call, target: str, payload: dict[str, Any]) -> None:
    await services.signalr.send_to_group(messages.session_group(call.session_id), target, payload)


async def _finish(services: Services, call: Call, record: TurnRecord, speaker: Speaker | None) -> TurnRecord:
    """Store the reply audio and the record, then announce the turn (and any alert)."""
    if speaker is not None:
        record.interrupted = speaker.interrupted
        record.usage.tts_characters = speaker.characters
        if speaker.audio:
            blob = reply_blob(call.session_id, record.turn)
            await services.blobs.put(
                services.settings.utterances_container,
                blob,
                bytes(speaker.audio),
                content_type="audio/basic" if call.audio_format == "mulaw/8000" else "audio/L16",
                metadata=offset_metadata(record.reply_start_sample or 0),
            )
            record.reply_audio_blob = blob
    await CallRecords(services.documents).save_turn(record, call.practice_id)
    await _push(
        services,
        call,
        messages.TURN_DONE,
        {
            "session_id": call.session_id,
            "turn": record.turn,
            "reply": record.reply,
            "flags": record.flags,
            "interrupted": record.interrupted,
            "tool_calls": [call.model_dump(mode="json") for call in record.tool_calls],
            "timings_ms": record.timings.model_dump(),
        },
    )
    if record.flags.get("emergency") or record.flags.get("transfer"):
        alert = {
            "session_id": call.session_id,
            "turn": record.turn,
            "kind": "emergency" if record.flags.get("emergency") else "transfer",
        }
        await _push(services, call, messages.SESSION_ALERT, alert)
        await services.signalr.send_to_group(
            messages.practice_group(call.practice_id), messages.SESSION_ALERT, alert
        )
    return record


async def greet(services: Services, call: Call) -> TurnRecord:
    """Turn 0: the greeting with the AI and recording disclosure."""
    saved = await CallRecords(services.documents).saved_turn(call.session_id, 0)
    if saved is not None:
        return saved
    agent = receptionist(services, call.practice_id)
    await agent.load()
    text = agent.greeting(recording_disclosure=call.recording_consent)
    speaker = _speaker(services, call, 0)
    await speaker.say(text)
    record = TurnRecord(session_id=call.session_id, turn=0, reply=text)
    return await _finish(services, call, record, speaker)


async def streaming_turn(services: Services, request: TurnRequest) -> TurnRecord:
    call, turn = request.call, request.turn
    saved = await CallRecords(services.documents).saved_turn(call.session_id, turn)
    if saved is not None:
        return saved
    assert request.utterance is not None
    utterance = request.utterance
    origin = utterance.speech_end_at or time.time()
    record = TurnRecord(session_id=call.session_id, turn=turn)
    record.timings.end_of_turn_ms = _ms(origin, utterance.turn_ended_at or None)
    record.usage.audio_seconds = round(
        (utterance.end_sample - utterance.start_sample) / utterance.sample_rate, 3
    )

    text, stt_ms, speculative = await hear(services, call, utterance)
    record.caller = text
    record.timings.stt_ms, record.timings.stt_speculative = stt_ms, speculative
    record.timings.stt_done_ms = _ms(origin)
    await _push(services, call, messages.TURN_HEARD, messages.heard(call.session_id, turn, text))

    speaker = _speaker(services, call, turn)
    splitter = SentenceSplitter()
    state = ConversationState.model_validate(request.conversation)
    async for event in receptionist(services, call.practice_id).respond(
        state, text, turn_key=f"{call.session_id}:{turn}"
    ):
        if isinstance(event, TextDelta):
            if not record.timings.first_token_ms:
                record.timings.first_token_ms = _ms(origin)
            for sentence in splitter.push(event.text):
                await speaker.say(sentence)
        elif isinstance(event, TurnResult):
            _apply_result(record, event)
    for sentence in splitter.flush():
        await speaker.say(sentence)
    _close_timings(record, speaker, utterance, origin)
    return await _finish(services, call, record, speaker)


def _close_timings(record: TurnRecord, speaker: Speaker, utterance: Utterance | None, origin: float) -> None:
    """Speaking timings, and where the reply starts on the caller's timeline (for the recording)."""
    record.timings.first_audio_ms = _ms(origin, speaker.first_audio_at) if speaker.first_audio_at else 0.0
    record.timings.tts_ms = round(speaker.tts_seconds * 1000, 1)
    record.timings.done_ms = _ms(origin)
    if utterance is not None and speaker.first_audio_at is not None:
        offset = round((speaker.first_audio_at - origin) * utterance.sample_rate)
        record.reply_start_sample = utterance.end_sample + offset


def _apply_result(record: TurnRecord, result: TurnResult) -> None:
    record.reply = result.reply
    record.conversation = result.state.model_dump(mode="json")
    record.flags = {k: bool(v) for k, v in result.flags.model_dump().items()}
    record.usage.prompt_tokens = result.usage.prompt_tokens
    record.usage.completion_tokens = result.usage.completion_tokens
    record.tool_calls = [_tool(call) for call in result.tool_calls]


def _tool(call: ToolUsed) -> ToolCallRecord:
    return ToolCallRecord(name=call.name, arguments=dict(call.arguments), result=call.result)


# --- staged mode ------------------------------------------------------------------------------


async def transcribe(services: Services, request: TurnRequest) -> Heard:
    assert request.utterance is not None
    text, stt_ms, speculative = await hear(services, request.call, request.utterance)
    await _push(
        services,
        request.call,
        messages.TURN_HEARD,
        messages.heard(request.call.session_id, request.turn, text),
    )
    return Heard(text=text, stt_ms=stt_ms, speculative=speculative)


async def respond(services: Services, request: TurnRequest) -> dict[str, Any]:
    """The agent's whole reply (text, tools, new state) without audio."""
    call, turn = request.call, request.turn
    saved = await CallRecords(services.documents).saved_turn(call.session_id, turn)
    if saved is not None:
        return saved.model_dump()
    record = TurnRecord(session_id=call.session_id, turn=turn, caller=request.caller_text or "")
    state = ConversationState.model_validate(request.conversation)
    origin = request.utterance.speech_end_at if request.utterance else time.time()
    record.timings.stt_done_ms = _ms(origin)  # the transcribe step has finished when this one starts
    record.timings.stt_ms, record.timings.stt_speculative = request.stt_ms, request.stt_speculative
    async for event in receptionist(services, call.practice_id).respond(
        state, record.caller, turn_key=f"{call.session_id}:{turn}"
    ):
        if isinstance(event, TextDelta) and not record.timings.first_token_ms:
            record.timings.first_token_ms = _ms(origin)
        elif isinstance(event, TurnResult):
            _apply_result(record, event)
    return record.model_dump()


async def synthesize(services: Services, request: TurnRequest) -> TurnRecord:
    call = request.call
    assert request.reply is not None
    saved = await CallRecords(services.documents).saved_turn(call.session_id, request.turn)
    if saved is not None:
        return saved
    record = request.reply
    utterance = request.utterance
    origin = utterance.speech_end_at if utterance and utterance.speech_end_at else time.time()
    if utterance is not None:
        record.timings.end_of_turn_ms = _ms(origin, utterance.turn_ended_at or None)
        record.usage.audio_seconds = round(
            (utterance.end_sample - utterance.start_sample) / utterance.sample_rate, 3
        )
    speaker = _speaker(services, call, request.turn)
    splitter = SentenceSplitter()
    await speaker.say_all([*splitter.push(record.reply), *splitter.flush()])
    _close_timings(record, speaker, utterance, origin)
    return await _finish(services, call, record, speaker)
