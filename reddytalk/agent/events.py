"""What the receptionist streams back for one caller turn."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reddytalk.agent.state import ConversationState, Flags, Usage


@dataclass(frozen=True)
class TextDelta:
    """A piece of the reply as it becomes ready (a sentence or a fragment)."""

    text: str


@dataclass(frozen=True)
class ToolUsed:
    """A tool the agent ran this turn, with its validated outcome."""

    name: str
    arguments: dict[str, Any]
    result: dict[str, Any]


@dataclass(frozen=True)
class UsageReport:
    """Tokens one model request spent (emitted by LLM brains, summed by the receptionist)."""

    prompt_tokens: int
    completion_tokens: int


@dataclass
class TurnResult:
    """The end of a turn: the whole reply, the new state, flags, token usage and the tools used."""

    reply: str
    state: ConversationState
    flags: Flags
    usage: Usage
    tool_calls: list[ToolUsed] = field(default_factory=list)
