"""Message-taking mode, shared by the receptionist (which starts it when no one picks up a
hand-off) and the brains (which collect the caller's name, number and message).

The mode lives in the conversation state: ``task == "message"`` and ``slots["message"]`` holding
what has been collected so far. Nothing here is logged.
"""

from __future__ import annotations

from typing import Any

from reddytalk.agent.state import ConversationState

OFFER_MESSAGE = (
    "I'm sorry, no one is free to take your call right now. I can take a message for the staff: "
    "may I have your name and the best number to reach you?"
)
MESSAGE_KINDS = ("callback", "refill", "running_late", "handoff_unanswered", "other")


def start_message(state: ConversationState, kind: str, *, context: str = "", reason: str = "") -> None:
    """Put the conversation in message-taking mode for ``kind`` (what has been said is kept)."""
    state.task = "message"
    state.pending = None
    state.offered = []
    state.slots["message"] = {"kind": kind, "context": context[:200], "reason": reason[:500]}
    state.awaiting = "message_contact"


def message_slots(state: ConversationState) -> dict[str, Any]:
    found = state.slots.get("message")
    return found if isinstance(found, dict) else {}
