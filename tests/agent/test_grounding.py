"""Grounded LLM replies: a model that "hallucinates" dates, times or providers is caught before the
caller hears it (through the OpenAI stand-in and the unmodified ``openai`` client): the reply is
regenerated once with a correction, then replaced by a reply built from the tool results."""

from __future__ import annotations

import openai
from agentkit import NOW, PRACTICE_ID
from fixtures.openai_standin import OPENAI_KEY, OpenAIStandIn, text, tool_calls

from reddytalk.agent.brains.openai_chat import OpenAIChatBrain
from reddytalk.agent.grounding import Grounding
from reddytalk.agent.receptionist import Receptionist, TextDelta, TurnResult
from reddytalk.agent.speech import say_hours
from reddytalk.agent.state import ConversationState
from reddytalk.practice.models import PracticeFile
from reddytalk.stores.documents.embedded import EmbeddedDocumentStore

SLOTS_CALL = (
    "find_slots",
    {
        "provider": "dr-patel",
        "appointment_type": "sick-visit",
        "after": "2026-12-01T08:00:00-05:00",
        "before": "2026-12-01T09:00:00-05:00",
        "limit": 2,
    },
)


def brain(standin: OpenAIStandIn) -> OpenAIChatBrain:
    client = openai.AsyncOpenAI(api_key=OPENAI_KEY, base_url=standin.base_url, max_retries=0)
    return OpenAIChatBrain(client, "gpt-4o-mini")


async def run(documents: EmbeddedDocumentStore, b: OpenAIChatBrain, said: str) -> tuple[str, TurnResult]:
    r = Receptionist(documents=documents, brain=b, practice_id=PRACTICE_ID, now=lambda: NOW)
    events = [e async for e in r.respond(ConversationState(), said, turn_key="g:1")]
    result = events[-1]
    assert isinstance(result, TurnResult)
    heard = "".join(e.text for e in events if isinstance(e, TextDelta))
    return heard, result


async def test_an_invented_opening_is_never_spoken_and_the_reply_comes_from_the_tool(
    documents: EmbeddedDocumentStore, openai_standin: OpenAIStandIn
) -> None:
    openai_standin.queue(
        tool_calls(SLOTS_CALL),
        text("Good news! Dr. Patel can see you Tuesday, December 1 at 3:40 PM."),  # not a result
        text("Sure. Dr. Smith has Wednesday at 7 AM."),  # regenerated, still invented
    )
    heard, result = await run(documents, brain(openai_standin), "can I get a sick visit Tuesday morning?")
    assert "3:40" not in heard and "Smith" not in heard and "7 AM" not in heard
    assert heard.strip() == result.reply
    slots = result.tool_calls[0].result["slots"]
    template = (
        f"I have {slots[0]['when']} with {slots[0]['provider']}, or {slots[1]['when']} with "
        f"{slots[1]['provider']}. Which works best?"
    )
    assert result.reply == "Good news! Sure. " + template  # the grounded sentences were already spoken
    assert len(openai_standin.requests) == 3
    correction = openai_standin.requests[2].body["messages"][-1]
    assert correction["role"] == "system" and "time 3:40" in correction["content"]


async def test_a_regenerated_grounded_reply_is_spoken(
    documents: EmbeddedDocumentStore, openai_standin: OpenAIStandIn
) -> None:
    openai_standin.queue(
        tool_calls(SLOTS_CALL),
        text("I have Tuesday, December 1 at 10:20 AM."),
        text("I have Tuesday, December 1 at 8 AM with Dr. Anita Patel. Would that work?"),
    )
    heard, result = await run(documents, brain(openai_standin), "sick visit Tuesday morning with Dr. Patel")
    assert "8 AM" in result.tool_calls[0].result["slots"][0]["when"]
    assert (
        heard.strip()
        == result.reply
        == "I have Tuesday, December 1 at 8 AM with Dr. Anita Patel. Would that work?"
    )


async def test_grounded_replies_stream_unchanged_and_need_no_second_request(
    documents: EmbeddedDocumentStore, openai_standin: OpenAIStandIn
) -> None:
    openai_standin.queue(text("We're open Monday through Friday, and Saturday 9 AM to noon. Anything else?"))
    heard, result = await run(documents, brain(openai_standin), "when are you open?")
    assert (
        result.reply == heard == "We're open Monday through Friday, and Saturday 9 AM to noon. Anything else?"
    )
    assert len(openai_standin.requests) == 1


async def test_a_grounded_first_sentence_is_kept_when_a_later_one_invents(
    documents: EmbeddedDocumentStore, openai_standin: OpenAIStandIn
) -> None:
    openai_standin.queue(
        text("Thanks for calling. Your appointment is Friday at 2 PM."),  # nothing says so
        text("Could you tell me your full name and date of birth first?"),
    )
    heard, result = await run(documents, brain(openai_standin), "when is my appointment")
    assert "Friday" not in heard and "2 PM" not in heard
    assert result.reply == "Thanks for calling. Could you tell me your full name and date of birth first?"


def test_the_checker_reads_dates_times_and_providers(demo: PracticeFile) -> None:
    g = Grounding(ConversationState(), demo.practice, demo.providers, say_hours(demo.practice.hours), NOW, "")
    g.add_result(
        "find_slots", {"slots": [{"start": "2026-12-03T14:30:00-05:00", "provider": "Dr. Michael Chen"}]}
    )
    assert g.ungrounded("Dr. Chen has Thursday, December 3 at 2:30 PM.") == []
    assert g.ungrounded("How about 12/3 at 2:30?") == []
    assert g.ungrounded("Dr. Lee has December 4 at 2:45 PM.") == ["time 2:45", "date 12-4", "provider Lee"]
    assert g.ungrounded("We are closed on Sunday.") == []  # the practice's hours name every day
