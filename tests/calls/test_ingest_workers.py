"""Audio intake on several worker processes: two ``AudioIngest`` instances (two processes' worth of
memory) sharing one document store and one blob store, fed a call's chunks alternately, with repeats
and shuffles, find exactly the utterances one instance finds from the same chunks in order.

Real parts throughout: the embedded stores, Silero VAD, the end-of-turn detector, eSpeak for the
caller's voice, and the local recogniser for the speculative transcripts.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from reddytalk.calls.contracts import Call
from reddytalk.calls.ingest import AudioIngest
from reddytalk.calls.intake_record import IntakeRecords
from reddytalk.calls.records import CallRecords
from reddytalk.services import Services
from reddytalk.settings import Settings
from reddytalk.stores.documents.base import Document
from reddytalk.voice.tts.local import LocalTextToSpeech

pytestmark = pytest.mark.engines

PRACTICE = "practice-workers"
LINES = ["I need to make an appointment", "my name is Maria Gonzalez", "yes please"]
CHUNK = 1280  # 40 ms of PCM16 at 16 kHz


def _services(tmp_path: Path) -> Services:
    settings = Settings(
        documents_connection=f"UseEmbeddedStorage=true;Path={tmp_path}/documents.sqlite3",
        blobs_connection=f"UseEmbeddedStorage=true;Path={tmp_path}/blobs",
    )
    return Services(settings)


async def _caller_audio() -> bytes:
    tts = LocalTextToSpeech()
    audio = b""
    for line in LINES:
        audio += b"".join([c async for c in tts.synthesize(line)]) + bytes(16000 * 2)  # a second of silence
    return audio


async def _session(services: Services, session_id: str) -> Document:
    call = Call(session_id=session_id, practice_id=PRACTICE)
    return await CallRecords(services.documents).create_session(call, call_id=None, token_hash="x")


async def _utterances(ingest: AudioIngest, found: list[Any]) -> list[tuple[Any, ...]]:
    out = []
    for u in found:
        audio = await ingest.services.blobs.get(ingest.container, u.blob)
        out.append((u.turn, u.start_sample, u.end_sample, u.blob.split("/", 1)[1], audio))
    return out


@pytest.fixture
async def stores(tmp_path: Path) -> Any:
    one, two = _services(tmp_path), _services(tmp_path)  # two processes' services, same stores
    yield one, two
    for s in (one, two):
        await s.aclose()


async def test_two_processes_alternating_chunks_find_the_utterances_one_process_finds(stores: Any) -> None:
    one, two = stores
    pcm = await _caller_audio()
    chunks = [pcm[i : i + CHUNK] for i in range(0, len(pcm), CHUNK)]

    single = AudioIngest(one)
    alone = await _session(one, "call-single")
    expected: list[Any] = []
    for seq, chunk in enumerate(chunks):
        expected += (await single.accept(alone, seq, chunk)).utterances
    want = await _utterances(single, expected)
    assert [w[0] for w in want] == [1, 2, 3], "the reference run hears each line as one utterance"

    order = list(range(len(chunks)))
    rng = random.Random(14)
    for i in range(0, len(order) - 4, 4):  # shuffle within windows of four
        window = order[i : i + 4]
        rng.shuffle(window)
        order[i : i + 4] = window
    workers = [AudioIngest(one), AudioIngest(two)]
    shared = await _session(one, "call-shared")
    found: list[Any] = []
    duplicates = 0
    for n, seq in enumerate(order):
        accepted = await workers[n % 2].accept(shared, seq, chunks[seq])
        assert not accepted.duplicate
        found += accepted.utterances
        if n % 7 == 0:  # the same chunk again, to the other process
            again = await workers[(n + 1) % 2].accept(shared, seq, chunks[seq])
            assert again.duplicate and not again.utterances
            duplicates += 1
    got = await _utterances(workers[0], found)
    assert duplicates > 10
    assert [g[:4] for g in got] == [w[:4] for w in want]
    assert [g[4] for g in got] == [w[4] for w in want], "the same audio in each utterance"
    record = await IntakeRecords(one.documents).load(shared)
    assert (record.next_seq, record.pending, record.utterances) == (len(chunks), set(), 3)


async def test_whole_utterances_on_two_processes_are_numbered_once_each(stores: Any) -> None:
    one, two = stores
    workers = [AudioIngest(one), AudioIngest(two)]
    session = await _session(one, "call-whole")
    turns = []
    for seq in range(6):
        accepted = await workers[seq % 2].accept_whole(session, seq, bytes(3200))
        turns += [u.turn for u in accepted.utterances]
        repeat = await workers[(seq + 1) % 2].accept_whole(session, seq, bytes(3200))
        assert repeat.duplicate and not repeat.utterances
    assert turns == [1, 2, 3, 4, 5, 6]


async def test_the_cache_is_dropped_when_the_call_ends(stores: Any) -> None:
    one, _ = stores
    ingest = AudioIngest(one)
    session = await _session(one, "call-ends")
    await ingest.accept(session, 0, bytes(CHUNK))
    assert len(ingest.cache) == 1
    ingest.forget("call-ends")
    assert len(ingest.cache) == 0
