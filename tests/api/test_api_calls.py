"""Staff call records end to end through the local host: list, details, transcript, recording,
audit entries for each PHI read, and SignalR negotiate for the dashboard."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import time

import jwt
import pytest
import soundfile
from apiworld import World, audit_entries
from callseed import seed_call
from pysignalr.client import SignalRClient as PySignalR

from devhost.system_key import read_system_key
from reddytalk.calls.messages import practice_group
from reddytalk.realtime.signalr import SignalRClient as ServerSignalR
from reddytalk.settings import Settings

A_ENDED = "call-a-ended"
A_LIVE = "call-a-live"
A_DECLINED = "call-a-declined"
A_OLD = "call-a-old"
DAY = 86400.0


@pytest.fixture(scope="module")
def world(api_world: World) -> World:
    state = api_world.documents_path.parent
    now = time.time()
    seed_call(state, api_world.a.practice_id, A_OLD, started_at=now - 10 * DAY)
    seed_call(state, api_world.a.practice_id, A_ENDED, started_at=now - 300)
    seed_call(state, api_world.a.practice_id, A_DECLINED, consent=False, started_at=now - 200)
    seed_call(state, api_world.a.practice_id, A_LIVE, ended=False, started_at=now - 100)
    return api_world


def test_list_is_newest_first_and_only_own_practice(world: World) -> None:
    with world.client() as c:
        r = c.get("/api/calls", headers=world.a.staff.headers)
    assert r.status_code == 200, r.text
    ids = [item["session_id"] for item in r.json()["items"]]
    assert ids == [A_LIVE, A_DECLINED, A_ENDED, A_OLD]
    assert world.foreign["session_id"] not in r.text


def test_list_filters_and_pages(world: World) -> None:
    with world.client() as c:
        h = world.a.staff.headers
        live = c.get("/api/calls", params={"status": "active"}, headers=h).json()["items"]
        assert [i["session_id"] for i in live] == [A_LIVE]
        old_day = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 10 * DAY))
        r = c.get("/api/calls", params={"since": old_day, "until": old_day}, headers=h)
        assert [i["session_id"] for i in r.json()["items"]] == [A_OLD]
        first = c.get("/api/calls", params={"page_size": 2}, headers=h).json()
        assert [i["session_id"] for i in first["items"]] == [A_LIVE, A_DECLINED]
        second = c.get(
            "/api/calls", params={"page_size": 2, "continuation": first["continuation"]}, headers=h
        )
        assert [i["session_id"] for i in second.json()["items"]] == [A_ENDED, A_OLD]
        assert c.get("/api/calls", params={"status": "nope"}, headers=h).status_code == 400
        assert (
            c.get("/api/calls", params={"since": "2026-02-02", "until": "2026-02-01"}, headers=h).status_code
            == 400
        )
        assert c.get("/api/calls").status_code == 401


def test_details_are_audited(world: World) -> None:
    with world.client() as c:
        r = c.get(f"/api/calls/{A_ENDED}", headers=world.a.staff.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "ended" and body["end_reason"] == "caller_hangup"
    assert body["summary"]["caller_turns"] == 1 and body["metrics"]["turns"] == 1
    assert body["live"] is None
    entries = audit_entries(world, world.a.practice_id, A_ENDED)
    assert any(e["resource_type"] == "call" and e["outcome"] == "success" for e in entries)
    assert all(e["actor_id"] == f"user:{world.a.staff.user_id}" for e in entries)


def test_transcript_final_and_live(world: World) -> None:
    with world.client() as c:
        final = c.get(f"/api/calls/{A_ENDED}/transcript", headers=world.a.staff.headers).json()
        live = c.get(f"/api/calls/{A_LIVE}/transcript", headers=world.a.staff.headers).json()
    assert final["final"] is True and live["final"] is False
    expected = [
        ("receptionist", "Hello, this is the clinic."),
        ("caller", "I need to book a cleaning"),
        ("receptionist", "Sure, what day works?"),
    ]
    assert [(x["speaker"], x["text"]) for x in final["lines"]] == expected
    assert [(x["speaker"], x["text"]) for x in live["lines"]] == expected
    entries = audit_entries(world, world.a.practice_id, A_LIVE)
    assert any(e["resource_type"] == "transcript" and e["outcome"] == "success" for e in entries)


def test_recording_is_flac_and_audited(world: World) -> None:
    with world.client() as c:
        r = c.get(f"/api/calls/{A_ENDED}/recording", headers=world.a.staff.headers)
        declined = c.get(f"/api/calls/{A_DECLINED}/recording", headers=world.a.staff.headers)
        live = c.get(f"/api/calls/{A_LIVE}/recording", headers=world.a.staff.headers)
    assert r.status_code == 200 and r.headers["content-type"] == "audio/flac"
    data, rate = soundfile.read(io.BytesIO(r.content))
    assert rate == 16000 and data.shape[1] == 2
    assert declined.status_code == 404 and live.status_code == 404
    entries = audit_entries(world, world.a.practice_id, A_ENDED)
    assert any(e["resource_type"] == "recording" and e["outcome"] == "success" for e in entries)
    declined_entries = audit_entries(world, world.a.practice_id, A_DECLINED)
    assert any(e["resource_type"] == "recording" and e["outcome"] == "not_found" for e in declined_entries)


def test_foreign_call_is_404_and_audited(world: World) -> None:
    foreign = world.foreign["session_id"]
    with world.client() as c:
        for tail in ("", "/transcript", "/recording"):
            r = c.get(f"/api/calls/{foreign}{tail}", headers=world.a.admin.headers)
            assert r.status_code == 404 and "Hello" not in r.text
        own = c.get(f"/api/calls/{foreign}/transcript", headers=world.b.staff.headers)
        assert own.status_code == 200
    entries = audit_entries(world, world.a.practice_id, foreign)
    assert {e["outcome"] for e in entries} == {"not_found"}


def test_staff_negotiate(world: World) -> None:
    with world.client() as c:
        r = c.post("/api/staff/negotiate", headers=world.a.staff.headers)
        assert c.post("/api/staff/negotiate").status_code == 401
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"url", "accessToken"}
    claims = jwt.decode(body["accessToken"], options={"verify_signature": False})
    assert claims["nameid"] == world.a.staff.user_id


def test_staff_negotiate_takes_the_official_client_s_query_and_nothing_else(world: World) -> None:
    """The official SignalR JS client posts ``{hub}/negotiate?negotiateVersion=1``."""
    h = world.a.staff.headers
    with world.client() as c:
        ok = c.post("/api/staff/negotiate", params={"negotiateVersion": "1"}, headers=h)
        assert ok.status_code == 200, ok.text
        assert set(ok.json()) == {"url", "accessToken"}
        for bad in ({"negotiateVersion": "one"}, {"negotiateVersion": "-1"}, {"negotiate_version": "1"}):
            r = c.post("/api/staff/negotiate", params=bad, headers=h)
            assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
        assert (
            c.post("/api/staff/negotiate", params={"negotiateVersion": "1", "x": "1"}, headers=h).status_code
            == 400
        )


def test_staff_negotiate_for_one_call_is_scoped_and_audited(world: World) -> None:
    with world.client() as c:
        h = world.a.staff.headers
        assert c.post("/api/staff/negotiate", params={"session_id": A_LIVE}, headers=h).status_code == 200
        foreign = c.post(
            "/api/staff/negotiate", params={"session_id": world.foreign["session_id"]}, headers=h
        )
        assert foreign.status_code == 404
    entries = audit_entries(world, world.a.practice_id, A_LIVE)
    assert any(e["action"] == "watch" and e["outcome"] == "success" for e in entries)


def test_details_of_a_live_call_carry_the_session_entity_state(world: World) -> None:
    turn = {"session_id": A_LIVE, "turn": 1, "caller": "I need to book a cleaning", "reply": "Sure."}
    with world.client() as c:
        # Signal the real session entity as the orchestrator would (input as serialized JSON).
        r = c.post(
            f"/runtime/webhooks/durabletask/entities/session/{A_LIVE}",
            params={"op": "record_turn"},
            content=json.dumps(turn),
            headers={
                "Content-Type": "text/plain",
                # the management API needs the host's system key (stored in the host's state folder)
                "x-functions-key": read_system_key(world.documents_path.parent / "host"),
            },
        )
        assert r.status_code == 202, r.text
        deadline = time.monotonic() + 15
        while True:
            live = c.get(f"/api/calls/{A_LIVE}", headers=world.a.staff.headers).json()["live"]
            if live or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    assert live is not None, "the entity state never showed up"
    assert live["status"] == "active" and live["totals"]["turns"] == 1
    assert [t["caller"] for t in live["recent"]] == ["I need to book a cleaning"]


def test_a_dashboard_receives_its_practice_messages_only(world: World) -> None:
    """A real SignalR client (pysignalr) on the hub URL ``/api/staff`` gets practice A's messages."""

    async def run() -> list[dict[str, object]]:
        received: list[dict[str, object]] = []
        opened, got = asyncio.Event(), asyncio.Event()

        async def on_open() -> None:
            opened.set()

        async def on_ended(args: list[dict[str, object]]) -> None:
            received.append(args[0])
            got.set()

        client = PySignalR(f"{world.base_url}/api/staff", headers=world.a.staff.headers)
        client.on_open(on_open)
        client.on("session.ended", on_ended)
        task = asyncio.create_task(client.run())
        settings = Settings.from_env(dict(os.environ))  # the running host's settings
        server = ServerSignalR(settings.signalr_connection.get_secret_value(), settings.signalr_hub)
        try:
            await asyncio.wait_for(opened.wait(), 10)
            await server.send_to_group(
                practice_group(world.b.practice_id), "session.ended", {"session_id": "b"}
            )
            await server.send_to_group(
                practice_group(world.a.practice_id), "session.ended", {"session_id": "a"}
            )
            await asyncio.wait_for(got.wait(), 10)
            await asyncio.sleep(0.2)
        finally:
            await server.close()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            socket = getattr(getattr(client, "_transport", None), "_ws", None)
            if socket is not None:
                await socket.close()
        return received

    assert asyncio.run(run()) == [{"session_id": "a"}]
