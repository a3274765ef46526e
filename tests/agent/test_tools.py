"""Tool dispatch: schemas, validation of untrusted arguments, identity rules, idempotent writes, audit."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from agentkit import NOW, PRACTICE_ID

from reddytalk.agent.state import ConversationState
from reddytalk.agent.tools import TOOLS, ToolBox, tool_schemas
from reddytalk.stores.documents.base import Query
from reddytalk.stores.documents.embedded import EmbeddedDocumentStore


def toolbox(documents: EmbeddedDocumentStore, state: ConversationState, turn: str = "call-1:1") -> ToolBox:
    return ToolBox(
        documents, PRACTICE_ID, state=state, now=lambda: NOW, actor_id="agent:call-1", turn_key=turn
    )


async def verified(documents: EmbeddedDocumentStore) -> ConversationState:
    state = ConversationState()
    result = await toolbox(documents, state).call(
        "identify_patient", {"name": "Maria Gonzalez", "date_of_birth": "1984-03-12"}
    )
    assert result["verified"] is True
    return state


def test_schemas_cover_every_tool() -> None:
    schemas = {s["function"]["name"]: s for s in tool_schemas()}
    assert set(schemas) == set(TOOLS) == {
        "identify_patient", "find_slots", "book_appointment", "reschedule_appointment",
        "cancel_appointment", "practice_info", "transfer_to_staff", "take_message", "add_to_message",
        "register_patient",
        "end_call",
    }  # fmt: skip
    assert schemas["identify_patient"]["function"]["parameters"]["required"] == ["name", "date_of_birth"]
    assert schemas["identify_patient"]["function"]["parameters"]["additionalProperties"] is False


async def test_unknown_tool_refused_and_logged(
    documents: EmbeddedDocumentStore, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        result = await toolbox(documents, ConversationState()).call(
            "delete_patient", {"patient_id": "pt-1001"}
        )
    assert result == {"ok": False, "error": "unknown_tool", "message": "That tool does not exist."}
    assert any(getattr(r, "tool", None) == "delete_patient" for r in caplog.records)


@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        ("identify_patient", {"name": "Maria Gonzalez"}),
        ("identify_patient", {"name": "Maria Gonzalez", "date_of_birth": "12 March"}),
        ("identify_patient", {"name": "x" * 500, "date_of_birth": "1984-03-12"}),
        ("find_slots", {"after": "soon", "before": "later"}),
        (
            "book_appointment",
            {
                "provider": "dr-patel",
                "appointment_type": "physical",
                "start": "2026-12-01T10:00:00",
                "patient_id": "pt-1002",
            },
        ),
        ("practice_info", {"topic": ""}),
        ("practice_info", "not an object"),
    ],
)
async def test_bad_arguments_are_rejected(
    documents: EmbeddedDocumentStore, name: str, arguments: Any
) -> None:
    result = await toolbox(documents, ConversationState()).call(name, arguments)
    assert result["ok"] is False and result["error"] == "invalid_arguments"


async def test_identify_same_answer_for_unknown_and_wrong_dob(documents: EmbeddedDocumentStore) -> None:
    unknown = await toolbox(documents, ConversationState()).call(
        "identify_patient", {"name": "Nobody Atall", "date_of_birth": "1990-01-01"}
    )
    wrong = await toolbox(documents, ConversationState()).call(
        "identify_patient", {"name": "Maria Gonzalez", "date_of_birth": "1984-03-13"}
    )
    assert (
        unknown
        == wrong
        == {"ok": True, "verified": False, "message": "I couldn't verify those details.", "attempts_left": 2}
    )


async def test_identify_tolerates_stt_spelling_but_not_another_name(documents: EmbeddedDocumentStore) -> None:
    ok = await toolbox(documents, ConversationState()).call(
        "identify_patient", {"name": "maria gonzales", "date_of_birth": "1984-03-12"}
    )
    assert ok["verified"] and ok["upcoming_appointments"][0]["when"] == "Thursday, December 3 at 10 AM"
    other = await toolbox(documents, ConversationState()).call(
        "identify_patient", {"name": "Linda Thompson", "date_of_birth": "1984-03-12"}
    )
    assert other["verified"] is False


async def test_three_failures_lock_identification(documents: EmbeddedDocumentStore) -> None:
    state = ConversationState()
    box = toolbox(documents, state)
    for _ in range(3):
        await box.call("identify_patient", {"name": "Maria Gonzalez", "date_of_birth": "1999-01-01"})
    after = await box.call("identify_patient", {"name": "Maria Gonzalez", "date_of_birth": "1984-03-12"})
    assert after["verified"] is False and state.identity == "failed"


async def test_identify_is_audited(documents: EmbeddedDocumentStore) -> None:
    await verified(documents)
    await toolbox(documents, ConversationState()).call(
        "identify_patient", {"name": "A Person", "date_of_birth": "1990-01-01"}
    )
    records = (await documents.query("audit", Query(where={"resource_type": "patient"}))).items
    outcomes = sorted((r["resource_id"], r["outcome"]) for r in records)
    assert outcomes == [("pt-1001", "success"), ("unverified", "denied")]
    assert all(r["actor_id"] == "agent:call-1" for r in records)


async def test_booking_needs_verified_identity(documents: EmbeddedDocumentStore) -> None:
    args = {"provider": "dr-patel", "appointment_type": "sick-visit", "start": "2026-12-01T10:00:00-05:00"}
    refused = await toolbox(documents, ConversationState()).call("book_appointment", args)
    assert refused["ok"] is False and refused["error"] == "validation_failed"
    state = await verified(documents)
    booked = await toolbox(documents, state).call("book_appointment", args)
    assert booked["ok"] and booked["booked"]["when"] == "Tuesday, December 1 at 10 AM"


async def test_retried_turn_books_once(documents: EmbeddedDocumentStore) -> None:
    state = await verified(documents)
    args = {"provider": "dr-patel", "appointment_type": "sick-visit", "start": "2026-12-01T10:00:00-05:00"}
    first = await toolbox(documents, state, "call-1:5").call("book_appointment", args)
    again = await toolbox(documents, state, "call-1:5").call("book_appointment", args)
    assert first["booked"]["appointment_id"] == again["booked"]["appointment_id"]
    other_turn = await toolbox(documents, state, "call-1:6").call("book_appointment", args)
    assert other_turn["ok"] is False and other_turn["error"] == "conflict"


async def test_cannot_touch_another_patients_appointment(documents: EmbeddedDocumentStore) -> None:
    state = await verified(documents)  # Maria; apt-2004 belongs to Robert Kowalski
    cancel = await toolbox(documents, state).call("cancel_appointment", {"appointment_id": "apt-2004"})
    move = await toolbox(documents, state).call(
        "reschedule_appointment", {"appointment_id": "apt-2004", "start": "2026-12-02T10:00:00-05:00"}
    )
    assert cancel["error"] == move["error"] == "not_found"


async def test_find_slots_by_name_and_local_time(documents: EmbeddedDocumentStore) -> None:
    result = await toolbox(documents, ConversationState()).call(
        "find_slots",
        {
            "provider": "doctor patel",
            "appointment_type": "sick visit",
            "after": "2026-12-01T08:00:00",
            "before": "2026-12-01T10:00:00",
        },
    )
    starts = [s["start"] for s in result["slots"]]
    assert result["ok"] and all(s.startswith("2026-12-01T0") for s in starts)
    assert "2026-12-01T09:00:00-05:00" not in starts  # Robert Kowalski's appointment
    assert result["slots"][0]["when"] == "Tuesday, December 1 at 8 AM"


async def test_practice_info_and_call_control(documents: EmbeddedDocumentStore) -> None:
    state = ConversationState()
    box = toolbox(documents, state)
    parking = await box.call("practice_info", {"topic": "parking"})
    assert "garage" in parking["answer"]
    unknown = await box.call("practice_info", {"topic": "astrology"})
    assert unknown["answer"] is None
    await box.call("transfer_to_staff", {"reason": "caller asked"})
    await box.call("end_call", {})
    assert state.flags.transfer and state.flags.ended


async def test_other_practices_patients_are_invisible(documents: EmbeddedDocumentStore, demo: Any) -> None:
    """A second practice in the same store cannot identify, see or book this practice's patients."""
    from reddytalk.practice.repository import seed_practice

    other = demo.model_copy(deep=True)
    other.practice.id = "oak-street"
    other.patients = []
    other.appointments = []
    await seed_practice(documents, other)
    state = ConversationState()
    box = ToolBox(
        documents, "oak-street", state=state, now=lambda: NOW, actor_id="agent:call-2", turn_key="call-2:1"
    )
    result = await box.call("identify_patient", {"name": "Maria Gonzalez", "date_of_birth": "1984-03-12"})
    assert result["verified"] is False and state.patient_id is None
    state.identity, state.patient_id = "verified", "pt-1001"  # even a forged state cannot reach across
    cancel = await box.call("cancel_appointment", {"appointment_id": "apt-2001"})
    assert cancel["ok"] is False and cancel["error"] == "not_found"
    book = await box.call(
        "book_appointment",
        {"provider": "dr-patel", "appointment_type": "sick-visit", "start": "2026-12-01T10:00:00-05:00"},
    )
    assert book["ok"] is False and book["error"] == "not_found"
