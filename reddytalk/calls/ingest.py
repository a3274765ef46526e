"""Caller audio in: ordered, de-duplicated chunks → end-of-turn detection → finished utterances.

Chunks carry a sequence number. Each is stored as a blob (so nothing is lost if this process dies)
and fed to the session's end-of-turn detector strictly in order: early chunks wait for the gap to
fill, repeated ones are acknowledged and ignored. At a short pause the detector offers the audio so
far and transcription starts speculatively; when the silence reaches the end-of-turn threshold and
the caller has not resumed, that transcript is reused, so the turn starts with STT already done.

The detector state lives in this process; a process that sees a session for the first time
rebuilds it by replaying the session's stored chunks, without raising utterances again.
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
from reddytalk.calls.recording import offset_metadata
from reddytalk.calls.records import CallRecords, chunk_blob, utterance_blob
from reddytalk.calls.takeover import relay_caller_audio
from reddytalk.errors import BadAudio, Conflict
from reddytalk.resilience import incidents
from reddytalk.services import Services
from reddytalk.stores.documents.base import Document

RATE = 16000
MAX_PENDING_CHUNKS = 64


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


class SessionStream:
    """One call's inbound audio stream."""

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
        self.next_seq = 0
        self.pending: dict[int, bytes] = {}
        self.received = 0  # 16 kHz samples fed so far
        self.utterances = 0  # utterances finished so far (raised or replayed)
        self.whole: set[int] = set()  # seqs of whole utterances already taken
        self.replaying_until = 0  # utterance index below which events are not raised again
        self.speculation: _Speculation | None = None
        self.lock = asyncio.Lock()

    def validate(self, data: bytes) -> None:
        """Reject a chunk before it is stored: it must hold whole samples."""
        if not data:
            raise BadAudio("the audio chunk is empty")
        if not self.mulaw and len(data) % 2:
            raise BadAudio("PCM16 audio needs an even number of bytes")

    def decode(self, data: bytes) -> np.ndarray:
        try:
            if self.resampler is not None:
                return self.resampler.push(mulaw.decode(data))
            return pcm16_samples(data)
        except AudioFormatError as exc:
            raise BadAudio(str(exc)) from None


class AudioIngest:
    """All sessions' streams in this process."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.records = CallRecords(services.documents)
        s = services.settings
        self.config = EndpointConfig(
            end_of_turn_ms=s.end_of_turn_silence_ms,
            speculative_pause_ms=min(s.speculative_pause_ms, s.end_of_turn_silence_ms),
            max_utterance_ms=int(s.max_utterance_seconds * 1000),
        )
        self.streams: dict[str, SessionStream] = {}
        self.in_flight: dict[str, _Speculation] = {}  # utterance blob → its speculative transcription

    async def speculative_transcript(self, blob: str) -> tuple[str, float] | None:
        """The transcript speculation started for this utterance, if it ran in this process.

        Returns (text, ms since the speculation started) or None (another process, or it failed):
        the caller then transcribes the stored utterance itself.
        """
        spec = self.in_flight.pop(blob, None)
        if spec is None:
            return None
        try:
            text, found = await spec.task
        except Exception:  # the caller transcribes again, through its own error handling
            return None
        for incident in found:  # a backup recogniser answered: the turn still names what failed
            incidents.note(incident.stage, incident.provider, incident.code)
        return text, round((time.perf_counter() - spec.started) * 1000, 1)

    @property
    def container(self) -> str:
        return self.services.settings.utterances_container

    async def accept(self, session: Document, seq: int, data: bytes) -> Accepted:
        """Take chunk ``seq`` of a streaming session; returns the utterances it completed."""
        stream = await self._stream(session)
        stream.validate(data)
        async with stream.lock:
            if seq < stream.next_seq or seq in stream.pending:
                return Accepted(duplicate=True)
            if seq - stream.next_seq > MAX_PENDING_CHUNKS:
                raise Conflict(
                    f"chunk {seq} is too far ahead of {stream.next_seq}; resend the missing chunks"
                )
            await self.services.blobs.put(self.container, chunk_blob(stream.session_id, seq), data)
            stream.pending[seq] = data
            result = Accepted(first=seq == 0)
            while stream.next_seq in stream.pending:
                chunk = stream.pending.pop(stream.next_seq)
                stream.next_seq += 1
                samples = stream.decode(chunk)
                # A staff member holding the call hears the caller live (in order, as fed).
                await relay_caller_audio(self.services, session, stream.next_seq - 1, pcm16_bytes(samples))
                result.utterances.extend(await self._feed(stream, samples, arrived=time.time()))
            return result

    async def accept_whole(self, session: Document, seq: int, data: bytes) -> Accepted:
        """A whole utterance from a client that does its own VAD (``final=true``), idempotent by seq."""
        stream = await self._stream(session)
        stream.validate(data)
        async with stream.lock:
            if seq in stream.whole:
                return Accepted(duplicate=True)
            samples = resample(mulaw.decode(data), 8000, RATE) if stream.mulaw else pcm16_samples(data)
            index = stream.utterances
            stream.utterances += 1
            stream.whole.add(seq)
            now = time.time()
            blob = utterance_blob(stream.session_id, index)
            await self.services.blobs.put(
                self.container,
                blob,
                pcm16_bytes(samples),
                content_type="audio/L16",
                metadata=offset_metadata(0),
            )
            await self.records.mark(stream.practice_id, stream.session_id, utterances=index + 1)
            utterance = Utterance(
                blob=blob,
                turn=index + 1,
                end_sample=int(samples.size),
                speech_end_at=now,
                turn_ended_at=now,
                final=True,
            )
            return Accepted(utterances=[utterance])

    async def _stream(self, session: Document) -> SessionStream:
        stream = self.streams.get(session["id"])
        if stream is None:
            stream = self.streams[session["id"]] = SessionStream(session, self.config)
            await self._replay(stream, int(session.get("utterances") or 0))
            stream.utterances = max(stream.utterances, int(session.get("utterances") or 0))
        return stream

    async def _replay(self, stream: SessionStream, raised: int) -> None:
        """Rebuild detector state from stored chunks after this process lost it."""
        stored = await self.services.blobs.list(self.container, prefix=f"{stream.session_id}/chunks/")
        stream.replaying_until = raised
        for info in sorted(stored, key=lambda b: b.name):
            seq = int(info.name.rsplit("/", 1)[1].split(".")[0])
            if seq != stream.next_seq:
                break
            data = await self.services.blobs.get(self.container, info.name)
            stream.next_seq += 1
            await self._feed(stream, stream.decode(data), arrived=time.time())
        stream.replaying_until = 0

    async def _feed(self, stream: SessionStream, samples: np.ndarray, *, arrived: float) -> list[Utterance]:
        stream.received += int(samples.size)
        finished: list[Utterance] = []
        for event in stream.detector.push(samples):
            replaying = stream.utterances < stream.replaying_until
            if isinstance(event, SpeechStarted) and not replaying:
                # Barge-in: the caller talking over a reply stops it (turn n answers utterance n-1).
                await self.records.mark(
                    stream.practice_id, stream.session_id, interrupted_turn=stream.utterances
                )
            elif isinstance(event, SpeculativePause) and not replaying:
                self._speculate(stream, event)
            elif isinstance(event, SpeechResumed):
                stream.speculation = None
            elif isinstance(event, TurnEnded):
                index = stream.utterances
                stream.utterances += 1
                if not replaying:
                    finished.append(await self._finish(stream, event, index, arrived))
        return finished

    def _speculate(self, stream: SessionStream, pause: SpeculativePause) -> None:
        pcm = pcm16_bytes(pause.audio)
        task = asyncio.create_task(self._transcribe(stream.practice_id, pcm))
        stream.speculation = _Speculation(pause.start, pause.end, time.perf_counter(), task)

    async def _transcribe(self, practice_id: str, pcm: bytes) -> tuple[str, list[incidents.Incident]]:
        with incidents.collecting() as found:
            hints = await practice_hints(self.services, practice_id)
            transcript = await self.services.stt.transcribe(pcm, RATE, hints=hints)
        return transcript.text.strip(), found

    async def _finish(self, stream: SessionStream, ended: TurnEnded, index: int, arrived: float) -> Utterance:
        speech_end_at = arrived - (stream.received - ended.end) / RATE
        blob = utterance_blob(stream.session_id, index)
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
        spec, stream.speculation = stream.speculation, None
        if spec is not None and (spec.start, spec.end) == (ended.start, ended.end):
            # The caller did not resume: the speculative transcript is this utterance's. Hand it
            # over without waiting for it, so the event (and the idle timer's reset) is not delayed.
            if spec.task.done() and not spec.task.cancelled() and spec.task.exception() is None:
                utterance.transcript, found = spec.task.result()
                utterance.stt_failures = [TurnFailure(**vars(incident)) for incident in found]
                utterance.transcript_ms = round((time.perf_counter() - spec.started) * 1000, 1)
            else:
                self.in_flight[blob] = spec
        await self.records.mark(stream.practice_id, stream.session_id, utterances=index + 1)
        return utterance


def get_ingest(services: Services) -> AudioIngest:
    """The process's ingest (its streams live as long as the services they use)."""
    ingest: AudioIngest = services.cached("ingest", lambda: AudioIngest(services))
    return ingest
