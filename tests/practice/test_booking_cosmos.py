"""The booking rules on the Cosmos DB store (local ``@vercel/cosmosdb-server``): the same hold/ETag
and query shapes that work on SQLite must work on Cosmos, including the concurrent-booking race."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from practicekit import NOW, ZONE

from reddytalk.agent.state import ConversationState
from reddytalk.agent.tools import ToolBox
from reddytalk.errors import Conflict
from reddytalk.practice.booking import Booking
from reddytalk.practice.models import PracticeFile
from reddytalk.practice.repository import seed_practice
from reddytalk.settings import Settings
from reddytalk.stores import open_documents
from reddytalk.stores.documents.base import DocumentStore

pytestmark = pytest.mark.azure
PID = "maple-grove"


@pytest.fixture
async def cosmos(cosmos_server: str, demo: PracticeFile) -> AsyncIterator[DocumentStore]:
    settings = Settings.from_env(
        {"DOCUMENTS_CONNECTION": cosmos_server, "DOCUMENTS_DATABASE": f"b{uuid.uuid4().hex[:12]}"}
    )
    store = open_documents(settings)
    await seed_practice(store, demo)
    yield store
    await store.close()


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=ZONE)


async def test_book_race_move_cancel_on_cosmos(cosmos: DocumentStore) -> None:
    async def race(patient: str, key: str) -> bool:
        try:
            await Booking(cosmos, PID, actor_id="user:test").book(
                patient_id=patient,
                provider_id="np-rivera",
                type_id="physical",
                start=at(2, 13),
                idempotency_key=key,
                now=NOW,
            )
            return True
        except Conflict:
            return False

    assert sorted(await asyncio.gather(race("pt-1005", "a"), race("pt-1009", "b"))) == [False, True]
    booking = Booking(cosmos, PID, actor_id="user:test")
    moved = await booking.reschedule(appointment_id="apt-2001", start=at(3, 14), idempotency_key="m", now=NOW)
    assert moved.start == at(3, 14)
    cancelled = await booking.cancel(appointment_id="apt-2004", idempotency_key="c", now=NOW)
    assert cancelled.status == "cancelled"
    listed = await booking.list(after=at(1, 0), before=at(4, 0))
    starts = [a.start for a in listed]
    assert starts == sorted(starts)
    assert "apt-2004" not in {a.id for a in listed} and "apt-2001" in {a.id for a in listed}


async def test_identify_and_find_slots_on_cosmos(cosmos: DocumentStore) -> None:
    state = ConversationState()
    box = ToolBox(cosmos, PID, state=state, now=lambda: NOW, actor_id="agent:c1", turn_key="c1:1")
    who = await box.call("identify_patient", {"name": "maria gonzales", "date_of_birth": "1984-03-12"})
    assert who["verified"] and who["upcoming_appointments"][0]["appointment_id"] == "apt-2001"
    slots = await box.call(
        "find_slots",
        {
            "provider": "dr-patel",
            "appointment_type": "sick-visit",
            "after": "2026-12-01T08:00:00",
            "before": "2026-12-01T10:00:00",
        },
    )
    assert "2026-12-01T09:00:00-05:00" not in [s["start"] for s in slots["slots"]]
