"""The OpenAI / Azure OpenAI brain against a local stand-in speaking the real streaming and tool-call
wire format, through the unmodified ``openai`` client: text streaming, parallel tool calls,
usage, 429/5xx retries inside the turn budget, a stream cut mid-reply, and outages."""

from __future__ import annotations

import json

import openai
from agentkit import NOW, PRACTICE_ID
from fixtures.openai_standin import (
    AZURE_KEY,
    OPENAI_KEY,
    OpenAIStandIn,
    Reply,
    cut,
    error,
    stall,
    text,
    tool_calls,
)

from reddytalk.agent.brains.factory import build_brain
from reddytalk.agent.brains.openai_chat import CUT_APOLOGY, OpenAIChatBrain
from reddytalk.agent.receptionist import Receptionist, TextDelta, TurnResult
from reddytalk.agent.state import ConversationState
from reddytalk.settings import Settings
from reddytalk.stores.documents.embedded import EmbeddedDocumentStore


def brain(standin: OpenAIStandIn, **options: float) -> OpenAIChatBrain:
    client = openai.AsyncOpenAI(api_key=OPENAI_KEY, base_url=standin.base_url, max_retries=0)
    return OpenAIChatBrain(client, "gpt-4o-mini", **options)  # type: ignore[arg-type]


async def run(
    documents: EmbeddedDocumentStore, b: object, said: str, state: ConversationState | None = None
) -> tuple[list[object], TurnResult]:
    r = Receptionist(documents=documents, brain=b, practice_id=PRACTICE_ID, now=lambda: NOW)  # type: ignore[arg-type]
    events = [e async for e in r.respond(state or ConversationState(), said, turn_key="oa:1")]
    assert isinstance(events[-1], TurnResult)
    return events, events[-1]


async def test_text_streams_and_usage_is_recorded(
    documents: EmbeddedDocumentStore, openai_standin: OpenAIStandIn
) -> None:
    openai_standin.queue(text("We're open Monday through Friday from 8 to 5.", usage=(120, 15)))
    events, result = await run(documents, brain(openai_standin), "when are you open?")
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert len(deltas) > 3 and "".join(deltas) == result.reply
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (120, 15)
    seen = openai_standin.requests[0]
    assert seen.body["stream"] is True and seen.body["stream_options"] == {"include_usage": True}
    assert {t["function"]["name"] for t in seen.body["tools"]} >= {"identify_patient", "book_appointment"}
    assert (
        seen.body["messages"][0]["role"] == "system" and "Maple Grove" in seen.body["messages"][0]["content"]
    )
    assert seen.body["messages"][-1] == {"role": "user", "content": "when are you open?"}


async def test_parallel_tool_calls_run_and_feed_back(
    documents: EmbeddedDocumentStore, openai_standin: OpenAIStandIn
) -> None:
    openai_standin.queue(
        tool_calls(
            ("identify_patient", {"name": "Maria Gonzalez", "date_of_birth": "1984-03-12"}),
            ("practice_info", {"topic": "parking"}),
        ),
        tool_calls(
            (
                "find_slots",
                {
                    "provider": "dr-patel",
                    "appointment_type": "sick-visit",
                    "after": "2026-12-01T08:00:00-05:00",
                    "before": "2026-12-01T12:00:00-05:00",
                },
            )
        ),
        text("Thanks Maria. Dr. Patel has Tuesday, December 1 at 8 AM. Parking is in the garage."),
    )
    _, result = await run(
        documents,
        brain(openai_standin),
        "I'm Maria Gonzalez, born March 12 1984, I need a sick visit Tuesday",
    )
    assert [t.name for t in result.tool_calls] == ["identify_patient", "practice_info", "find_slots"]
    assert result.flags.identity_verified and result.state.patient_id == "pt-1001"
    second = openai_standin.requests[1].body["messages"]
    assistant = next(m for m in second if m["role"] == "assistant" and m.get("tool_calls"))
    assert [c["id"] for c in assistant["tool_calls"]] == ["call_0", "call_1"]
    tool_msgs = [m for m in second if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in tool_msgs] == ["call_0", "call_1"]
    assert json.loads(tool_msgs[0]["content"])["verified"] is True
    assert "verified as Maria" in openai_standin.requests[2].body["messages"][0]["content"]
    assert result.usage.prompt_tokens == 60 + 60 + 42


async def test_unknown_and_malformed_tool_calls_are_refused(
    documents: EmbeddedDocumentStore, openai_standin: OpenAIStandIn
) -> None:
    openai_standin.queue(
        tool_calls(
            ("delete_patient", {"patient_id": "pt-1001"}), ("book_appointment", '{"provider": "dr-pa')
        ),
        text("I'm sorry, I can't do that."),
    )
    _, result = await run(documents, brain(openai_standin), "delete Maria's record")
    outcomes = {t.name: t.result for t in result.tool_calls}
    assert outcomes["delete_patient"]["error"] == "unknown_tool"
    assert outcomes["book_appointment"]["error"] == "invalid_arguments"


async def test_rate_limit_and_server_errors_are_retried(
    documents: EmbeddedDocumentStore, openai_standin: OpenAIStandIn
) -> None:
    openai_standin.queue(error(429, retry_after_ms=30), error(503, retry_after_ms=20), text("Happy to help."))
    _, result = await run(documents, brain(openai_standin, max_attempts=3), "hello")
    assert result.reply == "Happy to help." and not result.flags.transfer
    assert len(openai_standin.requests) == 3


async def test_persistent_failure_transfers_the_caller(
    documents: EmbeddedDocumentStore, openai_standin: OpenAIStandIn
) -> None:
    openai_standin.default = error(500, retry_after_ms=10)
    _, result = await run(documents, brain(openai_standin, max_attempts=3), "hello")
    assert len(openai_standin.requests) == 3
    assert result.flags.transfer and "transfer you" in result.reply


async def test_retries_stop_at_the_turn_budget(
    documents: EmbeddedDocumentStore, openai_standin: OpenAIStandIn
) -> None:
    openai_standin.queue(error(429, retry_after_ms=5000), text("too late"))
    _, result = await run(documents, brain(openai_standin, max_attempts=5, turn_budget=1.0), "hello")
    assert len(openai_standin.requests) == 1  # waiting 5 s would break the 1 s budget
    assert result.flags.transfer


async def test_stream_cut_mid_reply_is_not_repeated(
    documents: EmbeddedDocumentStore, openai_standin: OpenAIStandIn
) -> None:
    openai_standin.queue(cut("Your appointment is on"), text("should not be requested"))
    events, result = await run(documents, brain(openai_standin), "when is my appointment")
    assert len(openai_standin.requests) == 1
    assert result.reply.startswith("Your appointment is on") and result.reply.endswith(CUT_APOLOGY)
    assert not result.flags.transfer
    assert "".join(e.text for e in events if isinstance(e, TextDelta)).strip() == result.reply


async def test_stream_cut_before_any_text_is_retried(
    documents: EmbeddedDocumentStore, openai_standin: OpenAIStandIn
) -> None:
    openai_standin.queue(cut(""), text("Hello again."))
    _, result = await run(documents, brain(openai_standin), "hi")
    assert result.reply == "Hello again." and len(openai_standin.requests) == 2


async def test_emergency_answered_without_calling_the_llm(
    documents: EmbeddedDocumentStore, openai_standin: OpenAIStandIn
) -> None:
    openai_standin.default = error(500)
    _, result = await run(documents, brain(openai_standin), "I think I'm having a heart attack")
    assert openai_standin.requests == []
    assert result.flags.emergency and result.flags.transfer and "911" in result.reply


async def test_azure_openai_from_settings(
    documents: EmbeddedDocumentStore, openai_standin: OpenAIStandIn
) -> None:
    settings = Settings.from_env(
        {
            "LLM_PROVIDER": "azure_openai",
            "AZURE_OPENAI_ENDPOINT": openai_standin.azure_endpoint,
            "AZURE_OPENAI_API_KEY": AZURE_KEY,
            "AZURE_OPENAI_DEPLOYMENT": "receptionist",
        }
    )
    openai_standin.queue(text("Hi there."))
    _, result = await run(documents, build_brain(settings), "hello")
    assert result.reply == "Hi there."
    seen = openai_standin.requests[0]
    assert seen.path.startswith("/openai/deployments/receptionist/chat/completions?api-version=2024-10-21")
    assert seen.headers["api-key"] == AZURE_KEY


async def test_openai_from_settings_with_wrong_key_transfers(
    documents: EmbeddedDocumentStore, openai_standin: OpenAIStandIn
) -> None:
    settings = Settings.from_env(
        {"LLM_PROVIDER": "openai", "OPENAI_API_KEY": "sk-wrong", "OPENAI_BASE_URL": openai_standin.base_url}
    )
    _, result = await run(documents, build_brain(settings), "hello")
    assert len(openai_standin.requests) == 1  # 401 is not retried
    assert result.flags.transfer


async def test_a_hung_request_times_out_and_is_retried(
    documents: EmbeddedDocumentStore, openai_standin: OpenAIStandIn
) -> None:
    openai_standin.queue(stall(3.0), text("Sorry for the wait."))
    _, result = await run(documents, brain(openai_standin, request_timeout=1.0), "hello")
    assert result.reply == "Sorry for the wait." and len(openai_standin.requests) == 2


async def test_stream_ending_without_finish_is_retried(
    documents: EmbeddedDocumentStore, openai_standin: OpenAIStandIn
) -> None:
    """A body that closes cleanly but carries nothing (no text, no finish reason) counts as a failure."""
    openai_standin.queue(Reply("empty"), text("Here I am."))
    _, result = await run(documents, brain(openai_standin), "hi")
    assert result.reply == "Here I am." and len(openai_standin.requests) == 2
