"""The detector's second tier: an emergency recognised by its shape (a body-system term plus an
acuity cue), not by a catalogue phrase, with the same context rules and its own, hedged reply."""

from __future__ import annotations

import pytest
from agentkit import NOW, PRACTICE_ID

from reddytalk.agent.brains.local import LocalBrain
from reddytalk.agent.guardrails import detect_emergency, emergency_reply
from reddytalk.agent.receptionist import Receptionist, TurnResult
from reddytalk.agent.safety import acuity
from reddytalk.agent.safety.detector import prepare
from reddytalk.agent.state import ConversationState
from reddytalk.stores.documents.embedded import EmbeddedDocumentStore


@pytest.mark.parametrize(
    ("phrase", "system"),
    [
        ("my grandma's speech went strange all of a sudden", "neuro"),
        ("he's twitching on the floor and it won't stop", "seizure"),
        ("I'm so dizzy I can't stand up", "neuro"),
        ("her wound is gushing and it won't slow down", "bleeding"),
        ("my belly pain is unbearable", "pain"),
        ("he's clutching his throat", "grave"),
        ("she's gone pale and clammy", "grave"),
    ],
)
def test_shape_of_an_emergency_raises_a_possible_emergency(phrase: str, system: str) -> None:
    assert acuity.system_hit(prepare(phrase)) == system, phrase
    hit = detect_emergency(phrase)
    assert hit is not None, phrase


@pytest.mark.parametrize(
    "phrase",
    [
        "she isn't dizzy and she can walk fine",
        "what should I do if he suddenly can't stand up",
        "two years ago I couldn't stand up because of dizziness",
        "my son has a cut on his knee that won't stop itching",
        "can you fit me in right now for my blood test",
        "my rash won't go away, can I book in",
        "I just started a new blood pressure medication",
    ],
)
def test_negation_history_hypotheticals_and_routine_wording_stay_quiet(phrase: str) -> None:
    assert detect_emergency(phrase) is None, phrase


def test_a_catalogue_category_wins_over_the_second_tier() -> None:
    hit = detect_emergency("I'm having chest pain all of a sudden")
    assert hit is not None and hit.category == "chest_pain" and hit.system is None


def test_possible_emergency_reply_says_911_if_it_is_one_and_transfers() -> None:
    hit = detect_emergency("my belly pain is unbearable")
    assert hit is not None and hit.category == acuity.CATEGORY
    reply = emergency_reply(hit)
    assert "if this is an emergency" in reply.lower() and "911" in reply and "staff" in reply


async def test_a_possible_emergency_flags_the_call_and_transfers_to_staff_now(
    documents: EmbeddedDocumentStore, local_brain: LocalBrain
) -> None:
    r = Receptionist(documents=documents, brain=local_brain, practice_id=PRACTICE_ID, now=lambda: NOW)
    events = [e async for e in r.respond(ConversationState(), "my belly pain is unbearable", turn_key="a:1")]
    result = events[-1]
    assert isinstance(result, TurnResult)
    assert result.flags.emergency and result.flags.transfer
    assert [t.name for t in result.tool_calls] == ["transfer_to_staff"]
    assert "911" in result.reply and "if this is an emergency" in result.reply.lower()
