"""The conversation state the agent carries between turns.

It lives on the durable session entity and travels through activity inputs and outputs, so it is
small and JSON-serialisable: the last few turns, a running summary, the dialog slots, identity
status and flags. Nothing here is logged.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

MAX_TURNS = 8
MAX_SUMMARY_CHARS = 600


class Flags(BaseModel):
    """What the call pipeline acts on after a turn."""

    identity_verified: bool = False
    emergency: bool = False
    transfer: bool = False
    ended: bool = False
    message_taken: bool = False


class Usage(BaseModel):
    """LLM tokens spent (for cost); zero for the local brain."""

    prompt_tokens: int = 0
    completion_tokens: int = 0


class Turn(BaseModel):
    role: Literal["caller", "agent"]
    text: str


class ConversationState(BaseModel):
    """Everything the agent remembers about one call."""

    turns: list[Turn] = Field(default_factory=list)
    summary: str = ""
    turn_count: int = 0
    task: str | None = None  # book | reschedule | cancel | appointments
    slots: dict[str, Any] = Field(default_factory=dict)  # name, dob, date, time, provider, type, ...
    identity: Literal["unknown", "verified", "failed"] = "unknown"
    identify_attempts: int = 0
    patient_id: str | None = None
    patient_first_name: str | None = None
    for_family_member: bool = False  # the verified patient is the caller's family member
    appointments: list[dict[str, Any]] = Field(
        default_factory=list
    )  # the caller's upcoming ones, after verification
    offered: list[dict[str, Any]] = Field(default_factory=list)  # slots last offered to the caller
    pending: dict[str, Any] | None = None  # an action awaiting the caller's yes
    awaiting: str | None = None  # what the last reply asked for
    flags: Flags = Field(default_factory=Flags)

    def note(self, fact: str) -> None:
        """Add a fact to the running summary (what happened earlier, once the turns are trimmed)."""
        facts = [f for f in self.summary.split("; ") if f] + [fact]
        while len("; ".join(facts)) > MAX_SUMMARY_CHARS and len(facts) > 1:
            facts.pop(0)
        self.summary = "; ".join(facts)

    def remember(self, caller: str, reply: str) -> None:
        """Append one exchange, keeping only the most recent turns."""
        self.turns.extend([Turn(role="caller", text=caller), Turn(role="agent", text=reply)])
        del self.turns[: max(0, len(self.turns) - MAX_TURNS)]
        self.turn_count += 1
