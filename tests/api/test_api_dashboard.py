"""The two read routes the dashboard added: a call's per-turn facts and the practice's reference data."""

from __future__ import annotations

import time

import pytest
from apiworld import World, audit_entries
from callseed import seed_call

CALL = "call-a-dashboard"


@pytest.fixture(scope="module")
def world(api_world: World) -> World:
    seed_call(api_world.documents_path.parent, api_world.a.practice_id, CALL, started_at=time.time() - 50)
    return api_world


def test_turns_give_timings_and_tools_without_words_and_are_audited(world: World) -> None:
    with world.client() as c:
        r = c.get(f"/api/calls/{CALL}/turns", headers=world.a.staff.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["session_id"] == CALL
    assert [t["turn"] for t in body["turns"]] == sorted(t["turn"] for t in body["turns"]) and body["turns"]
    first = body["turns"][0]
    assert set(first["timings"]) >= {"end_of_turn_ms", "stt_done_ms", "first_token_ms", "first_audio_ms"}
    assert "book a cleaning" not in r.text and "clinic" not in r.text  # words stay in the transcript route
    entries = audit_entries(world, world.a.practice_id, CALL)
    assert any(e["resource_type"] == "call_turns" and e["outcome"] == "success" for e in entries)


def test_another_practice_call_is_not_found(world: World) -> None:
    with world.client() as c:
        r = c.get(f"/api/calls/{world.foreign['session_id']}/turns", headers=world.a.staff.headers)
    assert r.status_code == 404


def test_practice_reference_data_is_the_staff_members_own(world: World) -> None:
    with world.client() as c:
        r = c.get("/api/practice", headers=world.a.staff.headers)
        anonymous = c.get("/api/practice")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] == world.a.practice_id
    assert body["providers"] and all({"id", "name", "specialty"} == set(p) for p in body["providers"])
    assert body["appointment_types"] and all(t["minutes"] >= 5 for t in body["appointment_types"])
    assert anonymous.status_code == 401
