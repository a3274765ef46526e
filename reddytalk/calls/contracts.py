"""Plain data passed between the HTTP edge, the call orchestrators, activities and the session entity.

Pure data, no I/O: orchestrators import this module, so it must stay deterministic and cheap.
Everything here round-trips through JSON (durable inputs, outputs, events and entity state).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

AudioFormatName = Literal["pcm16/16000", "mulaw/8000"]

# External event names raised to the call orchestration.
EVENT_HANGUP = "hangup"
EVENT_CLIENT_READY = "client_ready"
EVENT_STAFF_TAKEOVER = "staff_takeover"
EVENT_STAFF_HANDBACK = "staff_handback"


def staff_event(name: str, takeover: int) -> str:
    """Take-over events are numbered per call (1, 2, ...), for the same reason as utterance events:
    a second take-over of the same call must not be answered by the first one's event."""
    return f"{name}-{takeover}"


def utterance_event(turn: int) -> str:
    """Each turn waits for its own event name. The Durable SDK (1.7) hands an event that arrived
    before its wait to every later wait of the same name, so one shared name would let an utterance
    spoken during a reply answer several turns."""
    return f"utterance-{turn}"


ENTITY_NAME = "session"


class Call(BaseModel):
    """What a call orchestration is started with and carries across ``continue_as_new``."""

    model_config = ConfigDict(extra="ignore")

    session_id: str
    practice_id: str
    channel: Literal["web", "phone"] = "web"
    audio_format: AudioFormatName = "pcm16/16000"
    recording_consent: bool = True
    turn_mode: Literal["streaming", "staged"] = "streaming"
    idle_timeout_seconds: int = 30
    turns_per_episode: int = 8
    ready_timeout_seconds: int = 3
    next_turn: int = 1  # the next turn record's number
    next_utterance: int = 1  # the next caller utterance's event number (turns can outnumber them)
    greeted: bool = False
    episode: int = 0
    failed_turns: int = 0  # consecutive turns whose step failed (two in a row: hand over)
    # Human takeover: "waiting" for staff after a transfer (until ``handoff_until``), "staff" while a
    # staff member holds the call (the receptionist only listens), "agent" otherwise.
    mode: Literal["agent", "waiting", "staff"] = "agent"
    handoff_until: str | None = None  # ISO time the wait for staff ends (durable timer)
    takeovers: int = 0  # take-overs so far; the next one raises ``staff_takeover-<takeovers + 1>``
    staff_id: str | None = None


class TurnFailure(BaseModel):
    """Something that failed during a turn (a reason code, never text): the turn still went on."""

    stage: str  # stt | llm | tts | turn
    provider: str = ""
    code: str


class Utterance(BaseModel):
    """A finished caller utterance, as raised to the orchestrator: a blob reference, never audio."""

    model_config = ConfigDict(extra="ignore")

    blob: str
    turn: int  # the turn this utterance starts (utterances are numbered from 1 per call)
    sample_rate: int = 16000
    start_sample: int = 0  # offset on the caller's stream timeline
    end_sample: int = 0
    transcript: str | None = None  # ready when speculative transcription finished in time
    transcript_ms: float | None = None
    stt_failures: list[TurnFailure] = Field(default_factory=list)  # recognisers that failed first
    speech_end_at: float = 0.0  # epoch seconds when the caller stopped speaking (server clock)
    turn_ended_at: float = 0.0  # epoch seconds of the end-of-turn decision
    final: bool = False  # posted as a whole utterance by a client that does its own VAD


class TurnTimings(BaseModel):
    """Milliseconds from the end of the caller's speech, plus engine times."""

    end_of_turn_ms: float = 0.0
    stt_done_ms: float = 0.0
    first_token_ms: float = 0.0
    first_audio_ms: float = 0.0
    done_ms: float = 0.0
    stt_ms: float = 0.0
    stt_speculative: bool = False
    tts_ms: float = 0.0


class TurnUsage(BaseModel):
    audio_seconds: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    tts_characters: int = 0


class ToolCallRecord(BaseModel):
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    result: Any = None


class TurnRecord(BaseModel):
    """One finished turn; the same shape in streaming and staged mode."""

    session_id: str
    turn: int
    caller: str = ""  # what the caller said (empty for the greeting)
    reply: str = ""
    tool_calls: list[ToolCallRecord] = Field(default_factory=list)
    timings: TurnTimings = Field(default_factory=TurnTimings)
    usage: TurnUsage = Field(default_factory=TurnUsage)
    flags: dict[str, bool] = Field(default_factory=dict)
    interrupted: bool = False
    reply_audio_blob: str | None = None
    reply_start_sample: int | None = None  # where the reply starts on the caller's stream timeline
    conversation: dict[str, Any] = Field(default_factory=dict)  # the agent's state after this turn
    failures: list[TurnFailure] = Field(default_factory=list)  # what failed; the caller still heard a reply
    handover: bool = False  # the turn failed twice running and the caller is handed to staff
    speaker: Literal["receptionist", "staff"] = "receptionist"  # who answered (staff: not recorded here)

    @property
    def ended(self) -> bool:
        return bool(self.flags.get("ended"))

    @property
    def asks_for_staff(self) -> bool:
        """This turn (not an earlier one: flags persist in the conversation) asked for a person."""
        return self.handover or any(call.name == "transfer_to_staff" for call in self.tool_calls)


class TurnRequest(BaseModel):
    """Input of the turn activities."""

    call: Call
    turn: int
    utterance: Utterance | None = None
    reason: str = ""  # a turn without an utterance (offer to take a message): why
    conversation: dict[str, Any] = Field(default_factory=dict)
    caller_text: str | None = None  # staged mode: set by the transcribe step
    stt_ms: float = 0.0  # staged mode: how long the transcribe step's recognition took
    stt_speculative: bool = False
    heard_failures: list[TurnFailure] = Field(default_factory=list)  # staged: the transcribe step's
    reply: TurnRecord | None = None  # staged mode: set by the respond step


class Heard(BaseModel):
    """Output of the staged transcribe step."""

    text: str
    stt_ms: float = 0.0
    speculative: bool = False
    failures: list[TurnFailure] = Field(default_factory=list)


class CallEnd(BaseModel):
    """Input of the post-call orchestration."""

    call: Call
    reason: Literal["agent_ended", "hangup", "idle", "emergency", "error"]
    turns: int
