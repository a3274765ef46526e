"""The one interface every brain implements, so the receptionist does not care which runs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from reddytalk.agent.events import TextDelta, UsageReport
from reddytalk.agent.state import ConversationState
from reddytalk.practice.models import AppointmentType, Practice, Provider

RunTool = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]
BrainEvent = TextDelta | UsageReport


@dataclass
class BrainContext:
    """One caller turn as a brain sees it. ``state`` is the working copy the brain may update."""

    state: ConversationState
    caller_text: str
    practice: Practice
    providers: list[Provider]
    appointment_types: list[AppointmentType]
    now: datetime  # aware, in the practice's time zone
    run_tool: RunTool


class Brain(Protocol):
    name: str

    def respond(self, ctx: BrainContext) -> AsyncIterator[BrainEvent]:
        """Stream the reply; run tools through ``ctx.run_tool``; raise ``ProviderError`` when down."""
        ...
