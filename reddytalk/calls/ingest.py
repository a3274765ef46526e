"""Caller audio in: ordered, de-duplicated chunks → end-of-turn detection → finished utterances.

Chunks carry a sequence number. Each is stored as a blob (so nothing is lost if a process dies)
and fed to the session's end-of-turn detector strictly in order: early chunks wait for the gap to
fill, repeated ones are acknowledged and ignored. At a short pause the detector offers the audio so
far and transcription starts speculatively; when the silence reaches the end-of-turn threshold and
the caller has not resumed, that transcript is reused, so the turn starts with STT already done.

Any worker process on any instance can take any chunk. What intake must remember between chunks
(next sequence number, pending chunks, utterance count, whole-utterance seqs) is a small record in
the document store, changed only with its ETag (``intake_record``). The detector itself is
deterministic in the stored chunks, so a process keeps it only as a cache checked against the record:
it is used when it has been fed exactly the chunks before the record's ``next_seq``, caught up from
the stored chunks when it is behind (events not raised again: another process raised them), and
rebuilt from chunk 0 when absent. Side effects (utterance blobs, events, barge-in marks) happen only
after the record update that claimed the chunks succeeded. See docs/voice-api.md, "Any worker".
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import numpy as np

from audio import mulaw
from audio.endpointing import (
    EndOfTurnDetector,
    EndpointConfig,
    Event,
    SpeculativePause,
    SpeechResumed,
    SpeechStarted,
    TurnEnded,
)
from audio.errors import AudioFormatError
from audio.pcm import pcm16_bytes, pcm16_samples
from audio.resample import StreamResampler, resample
from audio.vad_energy import EnergyVad
from audio.vad_silero import SileroVad
from reddytalk.calls.contracts import TurnFailure, Utterance
from reddytalk.calls.hints import practice_hints
from reddytalk.calls.ingest_cache import StreamCache
from reddytalk.calls.intake_record import IntakeRecord, IntakeRecords
from reddytalk.calls.recording import offset_metadata
from reddytalk.calls.records import CallRecords, chunk_blob, utterance_blob
from reddytalk.calls.takeover import relay_caller_audio
from reddytalk.errors import BadAudio, Conflict, NotFound, PreconditionFailed
from reddytalk.resilience import incidents
from reddytalk.services import Services
from reddytalk.stores.documents.base import Document

RATE = 16000
MAX_PENDING_CHUNKS = 64
REPLAY_BATCH = 32  # stored chunks read at once when catching a detector up
MAX_SAVE_ATTEMPTS = 50  # ETag races per chunk before giving up (each lost race means progress elsewhere)


@dataclass
class Accepted:
    duplicate: bool = False
    first: bool = False
    utterances: list[Utterance] = field(default_factory=list)


@dataclass
class _Speculation:
    start: int
    end: int
    started: float
    task: asyncio.Task[tuple[str, list[incidents.Incident]]]


@dataclass
class _Fed:
    """One chunk fed to the detector, with what it caused (acted on once the record is saved)."""

    seq: int
    samples: np.ndarray
    received: int  # 16 kHz samples fed up to the end of this chunk
    events: list[tuple[Event, int]]  # each event with the utterance count before it


class SessionStream:
    """One call's detector, fed in sequence order (a cache of what the stored chunks determine)."""

    def __init__(self, session: Document, config: EndpointConfig) -> None:
        self.session_id: str = session["id"]
        self.practice_id: str = session["practice_id"]
        self.mulaw = session.get("audio_format") == "mulaw/8000"
        try:
            vad: SileroVad | EnergyVad = SileroVad()
        except (OSError, RuntimeError):
            vad = EnergyVad()
        self.detector = EndOfTurnDetector(vad, config)
        self.resampler = StreamResampler(8000, RATE) if self.mulaw else None
        self.next_seq = 0  # chunks before this one have been fed
        self.received = 0  # 16 kHz samples fed so far
        self.speculation: _Speculation | None = None

    def decode(self, data: bytes) -> np.ndarray:
        try:
            if self.resampler is not None:
                return self.resampler.push(mulaw.decode(data))
            return pcm16_samples(data)
        except AudioFormatError as exc:
            raise BadAudio(str(exc)) from None

    def feed(self, seq: int, data: bytes, utterances: int) -> _Fed:
        """Feed chunk ``seq`` (the next one); events carry the utterance count before each."""
        samples = self.decode(data)
        self.next_seq = seq + 1
        self.received += int(samples.size)
        events: list[tuple[Event, int]] = []
        for event in self.detector.push(samples):
            events.append((event, utterances))
            if isinstance(event, TurnEnded):
                utterances += 1
        return _Fed(seq, samples, self.received, events)


def _validate(session: Document, data: bytes) -> None:
    if not data:
        raise BadAudio("the audio chunk is empty")
    if session.get("audio_format") != "mulaw/8000" and len(data) % 2:
        raise BadAudio("PCM16 audio needs an even number of bytes")


class AudioIngest:
    """Audio intake for this process: stateless between chunks but for validated caches."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.records = CallRecords(services.documents)
        self.intake = IntakeRecords(services.documents)
        s = services.settings
        self.config = EndpointConfig(
            end_of_turn_ms=s.end_of_turn_silence_ms,
            speculative_pause_ms=min(s.speculative_pause_ms, s.end_of_turn_silence_ms),
            max_utterance_ms=int(s.max_utterance_seconds * 1000),
        )
        self.cache: StreamCache[SessionStream, _Speculation] = StreamCache(on_evict=_cancel)

    @property
    def container(self) -> str:
        return self.services.settings.utterances_container

    async def speculative_transcript(self, blob: str) -> tuple[str, float] | None:
        """The transcript speculation started for this utterance, if it ran in this process.

        Returns (text, ms since the speculation started) or None (another process, or it failed):
        the caller then transcribes the stored utterance itself.
        """
        spec = self.cache.take_in_flight(blob.split("/", 1)[0], blob)
        if spec is None:
            return None
        try:
            text, found = await spec.task
        except Exception:  # the caller transcribes again, through its own error handling
            return None
        for incident in found:  # a backup recogniser answered: the turn still names what failed
            incidents.note(incident.stage, incident.provider, incident.code)
        return text, round((time.perf_counter() - spec.started) * 1000, 1)

    def forget(self, session_id: str) -> None:
        """Drop this process's cache for a call (it ended); the record goes with post-call."""
        self.cache.drop(session_id)

    async def accept(self, session: Document, seq: int, data: bytes) -> Accepted:
        """Take chunk ``seq`` of a streaming session; returns the utterances it completed."""
        _validate(session, data)
        sid = session["id"]
        stored = False
        async with self.cache.lock(sid):
            for _ in range(MAX_SAVE_ATTEMPTS):
                record = await self.intake.load(session)
                if seq < record.next_seq or seq in record.pending:
                    return Accepted(duplicate=True)
                if seq - record.next_seq > MAX_PENDING_CHUNKS:
                    raise Conflict(
                        f"chunk {seq} is too far ahead of {record.next_seq}; resend the missing chunks"
                    )
                if not stored:
                    await self.services.blobs.put(self.container, chunk_blob(sid, seq), data)
                    stored = True
                try:
                    fed = await self._claim(session, record, seq, data)
                except PreconditionFailed:
                    continue
                return Accepted(first=seq == 0, utterances=await self._act(session, fed))
        raise Conflict("too many concurrent writers for this call's audio; resend the chunk")

    async def _claim(self, session: Document, record: IntakeRecord, seq: int, data: bytes) -> list[_Fed]:
        """Feed the chunks that are now in order and save the record; PreconditionFailed if it moved."""
        record.pending.add(seq)
        if record.next_seq not in record.pending:  # a gap before this chunk: it waits in the record
            await self.intake.save(record)
            return []
        stream = await self._stream_at(session, record.next_seq)
        fed: list[_Fed] = []
        try:
            while record.next_seq in record.pending:
                n = record.next_seq
                chunk = data if n == seq else await self._chunk(session["id"], n)
                fed.append(stream.feed(n, chunk, record.utterances))
                record.pending.discard(n)
                record.next_seq += 1
                record.utterances += sum(isinstance(e, TurnEnded) for e, _ in fed[-1].events)
            await self.intake.save(record)
        except BaseException:
            self.cache.drop_stream(session["id"])  # it is ahead of the record now
            raise
        return fed

    async def _chunk(self, session_id: str, seq: int) -> bytes:
        try:
            return await self.services.blobs.get(self.container, chunk_blob(session_id, seq))
        except NotFound:
            raise Conflict("the call's audio is gone (the call has ended)") from None

    async def _stream_at(self, session: Document, next_seq: int) -> SessionStream:
        """The detector fed exactly the chunks before ``next_seq``: cached, caught up, or rebuilt."""
        stream = self.cache.stream(session["id"])
        if stream is None or stream.next_seq > next_seq:
            stream = SessionStream(session, self.config)
        while stream.next_seq < next_seq:  # another process fed these and acted on their events
            batch = range(stream.next_seq, min(stream.next_seq + REPLAY_BATCH, next_seq))
            for n, data in zip(
                batch, await asyncio.gather(*(self._chunk(session["id"], n) for n in batch)), strict=True
            ):
                fed = stream.feed(n, data, 0)
                if any(isinstance(e, SpeechResumed | TurnEnded) for e, _ in fed.events):
                    stream.speculation = None
        self.cache.put_stream(session["id"], stream)
        return stream

    async def _act(self, session: Document, fed: list[_Fed]) -> list[Utterance]:
        """The effects of chunks this process fed, in order, now that the record holds them."""
        stream = self.cache.stream(session["id"])
        finished: list[Utterance] = []
        for chunk in fed:
            arrived = time.time()
            # A staff member holding the call hears the caller live (in order, as fed).
            await relay_caller_audio(self.services, session, chunk.seq, pcm16_bytes(chunk.samples))
            for event, before in chunk.events:
                if isinstance(event, SpeechStarted):
                    # Barge-in: the caller talking over a reply stops it (turn n answers utterance n-1).
                    await self.records.mark(session["practice_id"], session["id"], interrupted_turn=before)
                elif isinstance(event, SpeculativePause) and stream is not None:
                    self._speculate(stream, event)
                elif isinstance(event, SpeechResumed) and stream is not None:
                    stream.speculation = None
                elif isinstance(event, TurnEnded):
                    finished.append(
                        await self._finish(session, stream, event, before, chunk.received, arrived)
                    )
        return finished

    async def accept_whole(self, session: Document, seq: int, data: bytes) -> Accepted:
        """A whole utterance from a client that does its own VAD (``final=true``), idempotent by seq."""
        _validate(session, data)
        sid = session["id"]
        mulaw_audio = session.get("audio_format") == "mulaw/8000"
        async with self.cache.lock(sid):
            for _ in range(MAX_SAVE_ATTEMPTS):
                record = await self.intake.load(session)
                if seq in record.whole:
                    return Accepted(duplicate=True)
                index = record.utterances
                record.utterances += 1
                record.whole.add(seq)
                try:
                    await self.intake.save(record)
                except PreconditionFailed:
                    continue
                return Accepted(utterances=[await self._whole(session, index, data, mulaw_audio)])
        raise Conflict("too many concurrent writers for this call's audio; resend the utterance")

    async def _whole(self, session: Document, index: int, data: bytes, mulaw_audio: bool) -> Utterance:
        samples = resample(mulaw.decode(data), 8000, RATE) if mulaw_audio else pcm16_samples(data)
        now = time.time()
        blob = utterance_blob(session["id"], index)
        await self.services.blobs.put(
            self.container, blob, pcm16_bytes(samples), content_type="audio/L16", metadata=offset_metadata(0)
        )
        await self.records.mark(session["practice_id"], session["id"], utterances=index + 1)
        return Utterance(
            blob=blob,
            turn=index + 1,
            end_sample=int(samples.size),
            speech_end_at=now,
            turn_ended_at=now,
            final=True,
        )

    def _speculate(self, stream: SessionStream, pause: SpeculativePause) -> None:
        pcm = pcm16_bytes(pause.audio)
        task = asyncio.create_task(self._transcribe(stream.practice_id, pcm))
        stream.speculation = _Speculation(pause.start, pause.end, time.perf_counter(), task)

    async def _transcribe(self, practice_id: str, pcm: bytes) -> tuple[str, list[incidents.Incident]]:
        with incidents.collecting() as found:
            hints = await practice_hints(self.services, practice_id)
            transcript = await self.services.stt.transcribe(pcm, RATE, hints=hints)
        return transcript.text.strip(), found

    async def _finish(
        self,
        session: Document,
        stream: SessionStream | None,
        ended: TurnEnded,
        index: int,
        received: int,
        arrived: float,
    ) -> Utterance:
        speech_end_at = arrived - (received - ended.end) / RATE
        blob = utterance_blob(session["id"], index)
        await self.services.blobs.put(
            self.container,
            blob,
            pcm16_bytes(ended.audio),
            content_type="audio/L16",
            metadata=offset_metadata(ended.audio_start),
        )
        utterance = Utterance(
            blob=blob,
            turn=index + 1,
            start_sample=ended.start,
            end_sample=ended.end,
            speech_end_at=speech_end_at,
            turn_ended_at=time.time(),
        )
        spec = None
        if stream is not None:
            spec, stream.speculation = stream.speculation, None
        if spec is not None and (spec.start, spec.end) == (ended.start, ended.end):
            # The caller did not resume: the speculative transcript is this utterance's. Hand it
            # over without waiting for it, so the event (and the idle timer's reset) is not delayed.
            if spec.task.done() and not spec.task.cancelled() and spec.task.exception() is None:
                utterance.transcript, found = spec.task.result()
                utterance.stt_failures = [TurnFailure(**vars(incident)) for incident in found]
                utterance.transcript_ms = round((time.perf_counter() - spec.started) * 1000, 1)
            else:
                self.cache.put_in_flight(session["id"], blob, spec)
        await self.records.mark(session["practice_id"], session["id"], utterances=index + 1)
        return utterance


def stream_practice(session: Document) -> str:
    return str(session["practice_id"])


def _cancel(spec: _Speculation) -> None:
    spec.task.cancel()


def get_ingest(services: Services) -> AudioIngest:
    """The process's ingest (its caches live as long as the services they use)."""
    ingest: AudioIngest = services.cached("ingest", lambda: AudioIngest(services))
    return ingest
