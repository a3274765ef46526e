"""Booking rules: hours and schedules, no double booking (also under concurrency), not in the past,
idempotency by key, reschedule/cancel ownership, and audit records for every write."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from practicekit import NOW, ZONE

from reddytalk.errors import Conflict, NotFound, ValidationFailed
from reddytalk.practice.booking import Booking
from reddytalk.practice.repository import PracticeRepository
from reddytalk.stores.documents.base import Query
from reddytalk.stores.documents.embedded import EmbeddedDocumentStore

PID = "maple-grove"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=ZONE)


def booking(documents: EmbeddedDocumentStore) -> Booking:
    return Booking(documents, PID, actor_id="user:test")


async def test_book_then_list(documents: EmbeddedDocumentStore) -> None:
    appt = await booking(documents).book(
        patient_id="pt-1005",
        provider_id="dr-patel",
        type_id="sick-visit",
        start=at(1, 10),
        idempotency_key="k1",
        now=NOW,
    )
    assert appt.status == "booked" and appt.start == at(1, 10)
    listed = await booking(documents).list(patient_id="pt-1005")
    assert [a.id for a in listed] == [appt.id]


async def test_double_booking_refused_including_overlap(documents: EmbeddedDocumentStore) -> None:
    # apt-2004 is Dr. Patel's 20-minute sick visit at 09:00 on Dec 1
    with pytest.raises(Conflict):
        await booking(documents).book(
            patient_id="pt-1005",
            provider_id="dr-patel",
            type_id="physical",
            start=at(1, 8, 30),
            idempotency_key="k",
            now=NOW,
        )
    # right after it ends is fine
    appt = await booking(documents).book(
        patient_id="pt-1005",
        provider_id="dr-patel",
        type_id="sick-visit",
        start=at(1, 9, 20),
        idempotency_key="k2",
        now=NOW,
    )
    assert appt.start == at(1, 9, 20)


@pytest.mark.parametrize(
    ("provider", "start", "why"),
    [
        ("dr-patel", at(1, 12, 10), "lunch break"),
        ("dr-patel", at(1, 16, 50), "runs past closing"),
        ("dr-chen", at(1, 10), "not working Tuesdays"),
        ("dr-patel", at(6, 10), "practice closed Sunday"),
        ("dr-patel", datetime(2026, 11, 30, 8, 0, tzinfo=ZONE), "in the past"),
        ("dr-patel", at(1, 10, 7), "off the 5-minute grid"),
        ("dr-patel", datetime(2027, 12, 7, 10, 0, tzinfo=ZONE), "more than a year ahead"),
    ],
)
async def test_rules(documents: EmbeddedDocumentStore, provider: str, start: datetime, why: str) -> None:
    with pytest.raises(ValidationFailed):
        await booking(documents).book(
            patient_id="pt-1005",
            provider_id=provider,
            type_id="sick-visit",
            start=start,
            idempotency_key=why,
            now=NOW,
        )


async def test_unknown_patient_or_other_practice(documents: EmbeddedDocumentStore) -> None:
    with pytest.raises(NotFound):
        await booking(documents).book(
            patient_id="pt-9999",
            provider_id="dr-patel",
            type_id="sick-visit",
            start=at(1, 10),
            idempotency_key="x",
            now=NOW,
        )
    with pytest.raises(NotFound):  # a patient of this practice, booked through another practice
        await Booking(documents, "other-practice", actor_id="user:x").book(
            patient_id="pt-1005",
            provider_id="dr-patel",
            type_id="sick-visit",
            start=at(1, 10),
            idempotency_key="y",
            now=NOW,
        )


async def test_same_key_same_result_once(documents: EmbeddedDocumentStore) -> None:
    args = {
        "patient_id": "pt-1005",
        "provider_id": "dr-patel",
        "type_id": "sick-visit",
        "start": at(2, 10),
        "now": NOW,
    }
    first = await booking(documents).book(**args, idempotency_key="retry-me")
    second = await booking(documents).book(**args, idempotency_key="retry-me")
    assert first.id == second.id
    assert len(await booking(documents).list(patient_id="pt-1005")) == 1
    with pytest.raises(Conflict):  # same key, different request
        await booking(documents).book(**{**args, "start": at(2, 11)}, idempotency_key="retry-me")


async def test_two_concurrent_bookings_of_one_slot_yield_one(documents: EmbeddedDocumentStore) -> None:
    async def race(patient: str, key: str, start: datetime) -> bool:
        try:
            await booking(documents).book(
                patient_id=patient,
                provider_id="np-rivera",
                type_id="physical",
                start=start,
                idempotency_key=key,
                now=NOW,
            )
            return True
        except Conflict:
            return False

    for round_ in range(5):
        start = at(2, 13) + timedelta(minutes=45 * round_)
        wins = await asyncio.gather(
            race("pt-1005", f"a{round_}", start), race("pt-1009", f"b{round_}", start)
        )
        assert sorted(wins) == [False, True]
    booked = await booking(documents).list(provider_id="np-rivera", after=at(2, 0), before=at(3, 0))
    assert len(booked) == 5


async def test_concurrent_overlapping_different_lengths(documents: EmbeddedDocumentStore) -> None:
    async def race(type_id: str, start: datetime, key: str) -> bool:
        try:
            await booking(documents).book(
                patient_id="pt-1003",
                provider_id="np-rivera",
                type_id=type_id,
                start=start,
                idempotency_key=key,
                now=NOW,
            )
            return True
        except Conflict:
            return False

    wins = await asyncio.gather(
        race("new-patient", at(7, 9), "long"), race("vaccination", at(7, 9, 30), "short")
    )
    assert sorted(wins) == [False, True]


async def test_reschedule_moves_and_frees_old_time(documents: EmbeddedDocumentStore) -> None:
    moved = await booking(documents).reschedule(
        appointment_id="apt-2001", start=at(3, 14), idempotency_key="r1", now=NOW, patient_id="pt-1001"
    )
    assert moved.start == at(3, 14) and moved.provider_id == "dr-patel"
    # the old 10:00 slot can be booked by someone else now
    other = await booking(documents).book(
        patient_id="pt-1005",
        provider_id="dr-patel",
        type_id="follow-up",
        start=at(3, 10),
        idempotency_key="o",
        now=NOW,
    )
    assert other.start == at(3, 10)
    again = await booking(documents).reschedule(
        appointment_id="apt-2001", start=at(3, 14), idempotency_key="r1", now=NOW, patient_id="pt-1001"
    )
    assert again.start == at(3, 14)


async def test_reschedule_by_ten_minutes_overlapping_itself(documents: EmbeddedDocumentStore) -> None:
    moved = await booking(documents).reschedule(
        appointment_id="apt-2001", start=at(3, 10, 10), idempotency_key="r2", now=NOW
    )
    assert moved.start == at(3, 10, 10)
    holds = await documents.query("appointments", Query(where={"kind": "hold", "appointment_id": "apt-2001"}))
    assert len(holds.items) == 4  # 20 minutes = four 5-minute cells, none leaked


async def test_reschedule_and_cancel_check_ownership(documents: EmbeddedDocumentStore) -> None:
    with pytest.raises(NotFound):
        await booking(documents).reschedule(
            appointment_id="apt-2001", start=at(3, 14), idempotency_key="r", now=NOW, patient_id="pt-1002"
        )
    with pytest.raises(NotFound):
        await booking(documents).cancel(
            appointment_id="apt-2001", idempotency_key="c", now=NOW, patient_id="pt-1002"
        )


async def test_cancel_is_idempotent_and_frees_the_slot(documents: EmbeddedDocumentStore) -> None:
    first = await booking(documents).cancel(appointment_id="apt-2004", idempotency_key="c1", now=NOW)
    second = await booking(documents).cancel(appointment_id="apt-2004", idempotency_key="c1", now=NOW)
    assert first.status == second.status == "cancelled"
    taken = await booking(documents).book(
        patient_id="pt-1005",
        provider_id="dr-patel",
        type_id="sick-visit",
        start=at(1, 9),
        idempotency_key="n",
        now=NOW,
    )
    assert taken.start == at(1, 9)
    with pytest.raises(Conflict):
        await booking(documents).reschedule(
            appointment_id="apt-2004", start=at(1, 14), idempotency_key="z", now=NOW
        )


async def test_every_write_is_audited(documents: EmbeddedDocumentStore) -> None:
    appt = await booking(documents).book(
        patient_id="pt-1005",
        provider_id="dr-patel",
        type_id="sick-visit",
        start=at(2, 15),
        idempotency_key="a",
        now=NOW,
    )
    await booking(documents).cancel(appointment_id=appt.id, idempotency_key="b", now=NOW)
    records = (await documents.query("audit", Query(where={"resource_id": appt.id}))).items
    assert sorted(r["action"] for r in records) == ["create", "update"]
    assert all(r["actor_id"] == "user:test" for r in records)


async def test_seed_is_idempotent(documents: EmbeddedDocumentStore, demo: object) -> None:
    from reddytalk.practice.repository import seed_practice

    before = await documents.count("appointments", Query(where={}))
    await seed_practice(documents, demo)  # type: ignore[arg-type]
    assert await documents.count("appointments", Query(where={})) == before
    repo = PracticeRepository(documents, PID)
    assert len(await repo.providers()) == 4
    assert (await repo.patient("pt-1001")).last_name == "Gonzalez"


async def test_two_hosts_booking_one_slot_yield_one(
    documents: EmbeddedDocumentStore, tmp_path: object
) -> None:
    """Two store connections on one file (as two worker processes would have) race for one slot."""
    other = EmbeddedDocumentStore(documents.path)
    try:

        async def race(store: EmbeddedDocumentStore, patient: str, key: str) -> bool:
            try:
                await Booking(store, PID, actor_id="user:test").book(
                    patient_id=patient,
                    provider_id="dr-okafor",
                    type_id="vaccination",
                    start=at(3, 11),
                    idempotency_key=key,
                    now=NOW,
                )
                return True
            except Conflict:
                return False

        wins = await asyncio.gather(race(documents, "pt-1006", "h1"), race(other, "pt-1009", "h2"))
        assert sorted(wins) == [False, True]
        booked = await booking(documents).list(provider_id="dr-okafor", after=at(3, 11), before=at(3, 12))
        assert len(booked) == 1
    finally:
        await other.close()
