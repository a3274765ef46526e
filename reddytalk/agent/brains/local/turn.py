"""What every step of the local brain's policy shares: the turn being answered, its reply, tools.

The policy is split by task (``identity``, ``booking``, ``targets``, ``messages``, ...); each step
is a mixin over ``TurnBase`` so a reader can own one file, and ``policy._Turn`` combines them.
"""

from __future__ import annotations

from typing import Any

from reddytalk.agent.brains.base import BrainContext
from reddytalk.agent.brains.local.extract import Entities
from reddytalk.agent.state import ConversationState
from reddytalk.agent.text import normalise, words_to_numbers

ANYTHING_ELSE = "Is there anything else I can help you with?"
SCHEDULE_SLOTS = (
    "day",
    "day_end",
    "soonest",
    "time",
    "daypart",
    "after",
    "before",
    "provider",
    "type",
    "target",
)


class TurnBase:
    """One caller turn of the policy (holds the pieces of the reply while it is built)."""

    def __init__(self, ctx: BrainContext, common_words: frozenset[str]) -> None:
        self.ctx = ctx
        self.state: ConversationState = ctx.state
        self.common_words = common_words
        self.out: list[str] = []
        self.ents = Entities()
        self.text = normalise(ctx.caller_text)
        self.numeric = words_to_numbers(self.text)
        self.awaiting: str | None = ctx.state.awaiting  # what the previous reply asked for

    def say(self, *sentences: str) -> None:
        self.out.extend(s for s in sentences if s)

    def ask(self, question: str, awaiting: str) -> None:
        self.say(question)
        self.state.awaiting = awaiting

    async def tool(self, tool_name: str, /, **arguments: Any) -> dict[str, Any]:
        return await self.ctx.run_tool(tool_name, arguments)

    def finish_task(self) -> None:
        state = self.state
        state.task = None
        for key in SCHEDULE_SLOTS:
            state.slots.pop(key, None)


def join(items: list[str], word: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


def article(noun: str) -> str:
    """ "a follow-up visit", "an annual physical" (lower case)."""
    text = noun.lower()
    return ("an " if text[:1] in "aeiou" else "a ") + text
