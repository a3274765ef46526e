"""Requests for medical advice are recognised before any brain sees them and answered without advice:
the caller is offered a nurse call-back message or a visit, and the state records the offer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from agentkit import NOW, PRACTICE_ID

from reddytalk.agent.brains.base import BrainContext, BrainEvent
from reddytalk.agent.guardrails import ADVICE_OFFERED, ADVICE_REPLY, is_advice_request
from reddytalk.agent.receptionist import Receptionist, TextDelta, TurnResult
from reddytalk.agent.state import ConversationState
from reddytalk.stores.documents.embedded import EmbeddedDocumentStore

ADVICE = [
    "how much Tylenol can I give my 2 year old",
    "should I take ibuprofen or tylenol for my headache?",
    "can I take Advil with my blood pressure pills",
    "should I stop taking my lisinopril, it makes me cough",
    "is it normal that my rash is spreading",
    "is it normal to have a fever after the flu shot",
    "what should I do about my rash",
    "what can I take for a sore throat",
    "how do I get rid of a cough",
    "do I need antibiotics for this ear infection",
    "should I be worried about this lump",
    "is this cough contagious",
    "what's the right dose of Benadryl for a child",
    "can I drink alcohol on amoxicillin",
    "why do I keep getting headaches",
    "could it be strep",
    "is it safe to take melatonin while pregnant",
    # a second batch, written before it was run (11 of 20 caught on the first run)
    "can I give my daughter motrin and tylenol at the same time",
    "how many advil can I take in a day",
    "is it ok to take my antibiotics with food",
    "should I keep taking the prednisone if I feel better",
    "my blood sugar is 250 what should I do",
    "is a fever of 101 bad for a toddler",
    "what's good for a sunburn",
    "do you think I need stitches",
    "should my son stay home from school with pink eye",
    "what helps with a migraine",
    "can I take benadryl while breastfeeding",
    "is it dangerous to skip my blood pressure pill",
    "should I go to urgent care for this sprain",
    "my rash is spreading, what does that mean",
    "how long should a cold last",
    "is it safe to exercise with a chest cold",
    "what should I do for my son's ear pain tonight",
    "can I double up on my metformin if I missed a dose",
    "is it normal to feel dizzy on lisinopril",
    "do I need to worry about this mole",
]
NOT_ADVICE = [
    "should I take the 3 pm slot or the 4 pm one",
    "can I take the earlier appointment",
    "how much is a flu shot",
    "is it okay if I come at 3",
    "is it normal to wait a week for a referral",
    "I need a refill of my lisinopril",
    "I'd like to book a visit for my rash",
    "what should I bring to my physical",
    "do I need to bring my insurance card",
    "can you call me back about my lab results",
    "I need a sick visit for a cough",
    # a second batch, written before it was run (none flagged on the first run)
    "I'd like to book a sick visit for my rash",
    "can I take a later appointment on Friday",
    "I need my metformin refilled",
    "can you ask the nurse to call me about my test results",
    "what's the earliest you have for a physical",
    "is Dr. Chen in on Tuesday",
    "can I switch to the 10 am slot",
    "how much does a new patient visit cost",
    "do you take Aetna",
    "I need to cancel because I have a cold",
    "can my husband come with me to my appointment",
    "should I come in 15 minutes early",
    "is it okay if I bring my kids",
    "do I need a referral to see the dermatologist",
    "can I get a copy of my vaccine records",
    "where do I park",
    "I want to schedule my son's ear check",
    "what should I bring to my first visit",
    "can you send my prescription to a different pharmacy",
    "I'm calling to confirm my appointment",
    "do you think Dr. Chen could see me for my back pain tomorrow",
    "do you think I could get in today for my cough",
]


@pytest.mark.parametrize("phrase", ADVICE)
def test_advice_requests_are_recognised(phrase: str) -> None:
    assert is_advice_request(phrase), phrase


@pytest.mark.parametrize("phrase", NOT_ADVICE)
def test_scheduling_and_refill_requests_are_not_advice(phrase: str) -> None:
    assert not is_advice_request(phrase), phrase


class ExplodingBrain:
    """A brain that must not be reached: the safety checks answer first."""

    name = "exploding"

    async def respond(self, ctx: BrainContext) -> AsyncIterator[BrainEvent]:
        raise AssertionError("a brain saw a turn the safety checks must answer")
        yield  # pragma: no cover - makes this an async generator


async def test_advice_request_never_reaches_the_brain_and_offers_nurse_or_visit(
    documents: EmbeddedDocumentStore,
) -> None:
    agent = Receptionist(
        documents=documents, brain=ExplodingBrain(), practice_id=PRACTICE_ID, now=lambda: NOW
    )
    await agent.load()
    result = None
    async for event in agent.respond(
        ConversationState(), "how much Tylenol can I give him?", turn_key="s1:1"
    ):
        if isinstance(event, TurnResult):
            result = event
    assert result is not None
    assert result.reply == ADVICE_REPLY
    assert "not able to give medical advice" in result.reply and "nurse" in result.reply
    assert result.state.awaiting == ADVICE_OFFERED
    assert not result.flags.emergency and not result.flags.transfer
    assert result.tool_calls == []


async def test_emergency_wins_over_an_advice_question(documents: EmbeddedDocumentStore) -> None:
    agent = Receptionist(
        documents=documents, brain=ExplodingBrain(), practice_id=PRACTICE_ID, now=lambda: NOW
    )
    await agent.load()
    result = None
    text = "should I give him aspirin, he has crushing chest pain"
    async for event in agent.respond(ConversationState(), text, turn_key="s2:1"):
        if isinstance(event, TurnResult):
            result = event
    assert result is not None
    assert result.flags.emergency and result.flags.transfer
    assert "911" in result.reply
    assert [c.name for c in result.tool_calls] == ["transfer_to_staff"]


async def test_a_question_dictated_as_a_message_is_left_to_the_message_flow(
    documents: EmbeddedDocumentStore,
) -> None:
    """In message-taking mode the question is the message: the advice check must not intercept it."""

    class RecordingBrain:
        name = "recording"

        def __init__(self) -> None:
            self.heard: list[str] = []

        async def respond(self, ctx: BrainContext) -> AsyncIterator[BrainEvent]:
            self.heard.append(ctx.caller_text)
            yield TextDelta("Thanks, I've noted that for the nurse.")

    brain = RecordingBrain()
    agent = Receptionist(documents=documents, brain=brain, practice_id=PRACTICE_ID, now=lambda: NOW)
    await agent.load()
    state = ConversationState(task="message", awaiting="message_reason")
    text = "should I stop taking my lisinopril, it makes me cough"
    result = None
    async for event in agent.respond(state, text, turn_key="s3:1"):
        if isinstance(event, TurnResult):
            result = event
    assert brain.heard == [text]
    assert result is not None and result.reply != ADVICE_REPLY
