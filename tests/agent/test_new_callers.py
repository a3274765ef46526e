"""Tools for callers the receptionist could not serve before: new patients (``register_patient``)
and family members verified by the patient's own identity (audited as such)."""

from __future__ import annotations

from agentkit import NOW, PRACTICE_ID

from reddytalk.agent.matching import name_matches, surname_similarity
from reddytalk.agent.state import ConversationState
from reddytalk.agent.tools import ToolBox
from reddytalk.stores.documents.base import Query
from reddytalk.stores.documents.embedded import EmbeddedDocumentStore

NEW = {
    "first_name": "Ana",
    "last_name": "Ruiz",
    "date_of_birth": "1990-06-05",
    "phone": "617 555 0142",
    "insurance": "Blue Cross",
}


def toolbox(documents: EmbeddedDocumentStore, state: ConversationState, turn: str = "call-3:4") -> ToolBox:
    return ToolBox(
        documents, PRACTICE_ID, state=state, now=lambda: NOW, actor_id="agent:call-3", turn_key=turn
    )


async def created(documents: EmbeddedDocumentStore) -> list[dict[str, object]]:
    page = await documents.query("patients", Query(where={"practice_id": PRACTICE_ID, "kind": "patient"}))
    return [d for d in page.items if str(d["patient_id"]).startswith("pat-")]


async def test_register_creates_a_patient_once_and_verifies_the_caller(
    documents: EmbeddedDocumentStore,
) -> None:
    state = ConversationState()
    first = await toolbox(documents, state).call("register_patient", NEW)
    again = await toolbox(documents, ConversationState()).call("register_patient", NEW)  # a retried turn
    assert first == again == {"ok": True, "registered": True, "first_name": "Ana"}
    [record] = await created(documents)
    assert (
        record["first_name"],
        record["last_name"],
        record["dob"],
        record["phone"],
        record["insurance"],
    ) == (
        "Ana",
        "Ruiz",
        "1990-06-05",
        "+16175550142",
        "Blue Cross",
    )
    assert state.identity == "verified" and state.patient_id == record["patient_id"]
    audit = await documents.query("audit", Query(where={"resource_id": record["patient_id"]}))
    assert ("create", "agent:call-3") in [(e["action"], e["actor_id"]) for e in audit.items]
    booked = await toolbox(documents, state, "call-3:5").call(
        "book_appointment",
        {"provider": "dr-patel", "appointment_type": "new-patient", "start": "2026-12-07T08:00:00-05:00"},
    )
    assert booked["ok"] and booked["booked"]["appointment_type"] == "new-patient"


async def test_registering_an_existing_patient_creates_nothing_and_says_the_same(
    documents: EmbeddedDocumentStore,
) -> None:
    state = ConversationState()
    same = NEW | {"first_name": "Maria", "last_name": "Gonzales", "date_of_birth": "1984-03-12"}
    result = await toolbox(documents, state).call("register_patient", same)
    assert result == {"ok": True, "registered": True, "first_name": "Maria"}
    assert await created(documents) == [] and state.patient_id == "pt-1001"


async def test_register_refuses_an_incomplete_phone(documents: EmbeddedDocumentStore) -> None:
    result = await toolbox(documents, ConversationState()).call("register_patient", NEW | {"phone": "555 01"})
    assert result["ok"] is False
    assert await created(documents) == []


async def test_a_family_member_is_verified_by_the_patient_and_audited_as_such(
    documents: EmbeddedDocumentStore,
) -> None:
    state = ConversationState()
    result = await toolbox(documents, state).call(
        "identify_patient", {"name": "Ethan Nguyen", "date_of_birth": "2016-05-08", "for_family_member": True}
    )
    assert result["verified"] and state.for_family_member and state.patient_id == "pt-1006"
    audit = await documents.query("audit", Query(where={"resource_id": "pt-1006"}))
    entries = [(e["actor_id"], e["action"], e["purpose"]) for e in audit.items]
    assert ("agent:call-3", "read", "family_member_verification") in entries
    assert all(purpose != "caller_verification" for _, _, purpose in entries)


def test_names_match_through_stt_slips_but_not_other_people() -> None:
    assert name_matches("maria gonzales", "Maria", "Gonzalez")
    assert name_matches("robert kowalsky", "Robert", "Kowalski")
    assert name_matches("keisha washingston", "Keisha", "Washington")
    assert name_matches("gonzalez maria", "Maria", "Gonzalez")
    assert name_matches("sorry robert kowalski", "Robert", "Kowalski")
    assert not name_matches("mario gomez", "Maria", "Gonzalez")
    assert not name_matches("linda johnson", "Linda", "Thompson")
    assert not name_matches("maria", "Maria", "Gonzalez")
    assert surname_similarity("raman", "rahman") >= 90
