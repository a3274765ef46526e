"""The SignalR messages a call produces (documented in ``docs/voice-api.md``).

Every message goes to the session's group (the caller's client and any staff watching); alerts also
go to the practice's group so the dashboard sees them without watching each call. Each message
carries ``session_id``, ``turn`` and a ``seq`` so clients can drop duplicates after a retried turn.
"""

from __future__ import annotations

import base64
from typing import Any

TURN_HEARD = "turn.heard"
TURN_TEXT = "turn.text"
TURN_AUDIO = "turn.audio"
TURN_DONE = "turn.done"
SESSION_ENDED = "session.ended"
SESSION_ALERT = "session.alert"
CALL_TAKEN_OVER = "call.taken_over"
CALL_HANDED_BACK = "call.handed_back"
CALLER_AUDIO = "caller.audio"  # to the staff member holding the call only

STAFF_SEQ_BASE = 1_000_000  # staff audio's ``seq`` in ``turn.audio``: never a reply sentence's

AUDIO_CHUNK_MS = 200  # turn.audio payloads carry at most this much audio each


def session_group(session_id: str) -> str:
    return f"session-{session_id}"


def practice_group(practice_id: str) -> str:
    return f"practice-{practice_id}"


def heard(session_id: str, turn: int, text: str, speaker: str = "caller") -> dict[str, Any]:
    return {"session_id": session_id, "turn": turn, "text": text, "speaker": speaker}


def text(session_id: str, turn: int, seq: int, sentence: str) -> dict[str, Any]:
    return {"session_id": session_id, "turn": turn, "seq": seq, "text": sentence}


def audio(
    session_id: str, turn: int, seq: int, chunk: int, fmt: str, data: bytes, last: bool
) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "turn": turn,
        "seq": seq,
        "chunk": chunk,
        "format": fmt,
        "data": base64.b64encode(data).decode("ascii"),
        "last": last,
    }
