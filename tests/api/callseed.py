"""Seed call sessions for the staff call API tests, through the same stores and records the call
pipeline writes (session document, turn records, final transcript, recording blob)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import numpy as np

from audio.recording import RecordingBuilder
from reddytalk.calls.contracts import Call, TurnRecord
from reddytalk.calls.post_call import transcript_id
from reddytalk.calls.records import CallRecords
from reddytalk.calls.staff import recording_blob
from reddytalk.stores.blobs.embedded import EmbeddedBlobStore
from reddytalk.stores.documents.embedded import EmbeddedDocumentStore

TURNS = [("", "Hello, this is the clinic."), ("I need to book a cleaning", "Sure, what day works?")]


def flac_bytes() -> bytes:
    builder = RecordingBuilder(16000)
    builder.add("caller", 0.0, np.zeros(1600, dtype=np.float32) + 0.1)
    builder.add("receptionist", 0.1, np.zeros(1600, dtype=np.float32) - 0.1)
    return builder.to_flac()


async def _seed(
    state: Path,
    practice_id: str,
    session_id: str,
    *,
    ended: bool,
    consent: bool,
    started_at: float,
) -> None:
    docs = EmbeddedDocumentStore(state / "documents.sqlite3")
    blobs = EmbeddedBlobStore(state / "blobs")
    try:
        records = CallRecords(docs)
        call = Call(session_id=session_id, practice_id=practice_id, recording_consent=consent)
        await records.create_session(call, call_id=None, token_hash="x")
        await records.mark(practice_id, session_id, started_at=started_at, current_turn=len(TURNS))
        for turn, (caller, reply) in enumerate(TURNS):
            await records.save_turn(
                TurnRecord(session_id=session_id, turn=turn, caller=caller, reply=reply), practice_id
            )
        if ended:
            lines = [
                {"turn": t, "speaker": s, "text": x}
                for t, (c, r) in enumerate(TURNS)
                for s, x in (("caller", c), ("receptionist", r))
                if x
            ]
            await docs.upsert(
                "transcripts",
                {
                    "id": transcript_id(session_id),
                    "session_id": session_id,
                    "practice_id": practice_id,
                    "kind": "transcript",
                    "lines": lines,
                },
            )
            await records.mark(
                practice_id,
                session_id,
                status="ended",
                ended_at=started_at + 60,
                end_reason="caller_hangup",
                summary={"booked": 0, "caller_turns": 1},
                metrics={"turns": 1},
            )
            if consent:
                await blobs.put(
                    "recordings",
                    recording_blob(practice_id, session_id),
                    flac_bytes(),
                    content_type="audio/flac",
                )
    finally:
        await docs.close()
        await blobs.close()


def seed_call(
    state: Path,
    practice_id: str,
    session_id: str,
    *,
    ended: bool = True,
    consent: bool = True,
    started_at: float | None = None,
) -> None:
    asyncio.run(
        _seed(
            state,
            practice_id,
            session_id,
            ended=ended,
            consent=consent,
            started_at=time.time() if started_at is None else started_at,
        )
    )
