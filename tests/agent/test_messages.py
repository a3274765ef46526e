"""Taking a message for staff: the ``take_message`` tool (validation, idempotency, audit, patient
link) and the receptionist's message mode after an unanswered hand-off (``offer_message``)."""

from __future__ import annotations

from typing import Any

from agentkit import NOW, PRACTICE_ID

from reddytalk.agent.brains.local import LocalBrain
from reddytalk.agent.receptionist import Receptionist, TurnResult
from reddytalk.agent.state import ConversationState
from reddytalk.agent.tools import ToolBox
from reddytalk.audit import AuditLog
from reddytalk.messages.models import MessageFilter
from reddytalk.messages.service import MessageService
from reddytalk.stores.documents.base import Query
from reddytalk.stores.documents.embedded import EmbeddedDocumentStore

ARGS = {"kind": "refill", "caller_name": "Maria Gonzalez", "phone": "555 010 7788", "reason": "lisinopril"}


def toolbox(documents: EmbeddedDocumentStore, state: ConversationState, turn: str = "call-7:1") -> ToolBox:
    return ToolBox(
        documents, PRACTICE_ID, state=state, now=lambda: NOW, actor_id="agent:call-7", turn_key=turn
    )


async def inbox(documents: EmbeddedDocumentStore) -> list[Any]:
    page = await MessageService(documents, AuditLog(documents)).list("user:s", PRACTICE_ID, MessageFilter())
    return page.items


async def test_take_message_saves_once_per_turn_and_audits_ids_only(documents: EmbeddedDocumentStore) -> None:
    state = ConversationState()
    first = await toolbox(documents, state).call("take_message", ARGS)
    again = await toolbox(documents, state).call("take_message", ARGS)  # a retried turn
    assert first["ok"] and first == again and state.flags.message_taken
    saved = await inbox(documents)
    assert [(m.id, m.kind, m.session_id, m.reason, m.patient_id) for m in saved] == [
        (first["message_id"], "refill", "call-7", "lisinopril", None)
    ]
    audit = await documents.query("audit", Query(where={"resource_id": first["message_id"]}))
    assert [(e["action"], e["actor_id"]) for e in audit.items] == [("create", "agent:call-7")]
    assert "Maria" not in str(audit.items) and "lisinopril" not in str(audit.items)


async def test_a_verified_caller_s_message_names_the_patient(documents: EmbeddedDocumentStore) -> None:
    state = ConversationState()
    box = toolbox(documents, state)
    assert (await box.call("identify_patient", {"name": "Maria Gonzalez", "date_of_birth": "1984-03-12"}))[
        "verified"
    ]
    await box.call("take_message", ARGS | {"kind": "callback"})
    assert [m.patient_id for m in await inbox(documents)] == [state.patient_id]


async def test_take_message_refuses_unknown_kinds_and_extra_fields(documents: EmbeddedDocumentStore) -> None:
    box = toolbox(documents, ConversationState())
    bad = await box.call("take_message", ARGS | {"kind": "diagnosis"})
    assert bad["error"] == "invalid_arguments" and bad["fields"] == ["kind"]
    extra = await box.call("take_message", ARGS | {"patient_id": "pt-1001"})
    assert extra["error"] == "invalid_arguments"
    assert await inbox(documents) == []


async def play(r: Receptionist, state: ConversationState, lines: list[str]) -> list[TurnResult]:
    results = []
    for n, line in enumerate(lines, start=2):
        result = [e async for e in r.respond(state, line, turn_key=f"call-9:{n}")][-1]
        assert isinstance(result, TurnResult)
        results.append(result)
        state = result.state
    return results


async def test_offer_message_collects_name_number_and_message_then_ends(
    documents: EmbeddedDocumentStore, local_brain: LocalBrain
) -> None:
    r = Receptionist(documents=documents, brain=local_brain, practice_id=PRACTICE_ID, now=lambda: NOW)
    await r.load()
    offered = r.offer_message(ConversationState(), "caller asked for staff")
    assert "no one is free" in offered.reply and "message" in offered.reply
    assert offered.state.task == "message" and not offered.flags.ended
    results = await play(
        r,
        offered.state,
        [
            "it's Jordan Miles",
            "five five five, two zero one, four four three nine",
            "I'd like someone to call me about my bill",
        ],
    )
    assert "number" in results[0].reply.lower()
    assert "pass on" in results[1].reply.lower()
    assert "555, 201, 4439" in results[2].reply and results[2].flags.ended
    [saved] = await inbox(documents)
    assert (saved.kind, saved.caller_name, saved.phone, saved.session_id) == (
        "handoff_unanswered",
        "Jordan Miles",
        "5552014439",
        "call-9",
    )
    assert "bill" in saved.reason


async def test_declining_the_offered_message_ends_politely(
    documents: EmbeddedDocumentStore, local_brain: LocalBrain
) -> None:
    r = Receptionist(documents=documents, brain=local_brain, practice_id=PRACTICE_ID, now=lambda: NOW)
    await r.load()
    offered = r.offer_message(ConversationState(), "transfer")
    [result] = await play(r, offered.state, ["no thanks, I'll call back later"])
    assert result.flags.ended and "Goodbye" in result.reply
    assert await inbox(documents) == []


async def test_what_the_caller_adds_goes_into_the_same_message(documents: EmbeddedDocumentStore) -> None:
    state = ConversationState()
    assert (await toolbox(documents, state, "call-7:1").call("add_to_message", {"text": "x"}))["ok"] is False
    taken = await toolbox(documents, state, "call-7:1").call("take_message", ARGS)
    for _ in range(2):  # a retried turn adds once
        added = await toolbox(documents, state, "call-7:2").call(
            "add_to_message", {"text": "the CVS on Main"}
        )
        assert added == {"ok": True, "message_id": taken["message_id"]}
    [saved] = await inbox(documents)
    assert saved.reason == "lisinopril the CVS on Main"
    audit = await documents.query("audit", Query(where={"resource_id": taken["message_id"]}))
    assert sorted(e["action"] for e in audit.items) == ["create", "update"]
