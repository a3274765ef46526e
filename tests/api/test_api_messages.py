"""The staff inbox end to end through the local host: list, done, undo, paging, isolation, audit,
and the ``message.taken`` announcement reaching a real SignalR client of the practice only."""

from __future__ import annotations

import asyncio
import contextlib
import os

from apiworld import World, audit_entries, seed_message
from pysignalr.client import SignalRClient as PySignalR

from reddytalk.audit import AuditLog
from reddytalk.messages.publish import staff_publisher
from reddytalk.messages.service import MessageService
from reddytalk.services import Services
from reddytalk.settings import Settings
from reddytalk.stores.documents.embedded import EmbeddedDocumentStore


def test_a_taken_message_is_listed_for_its_practice_only(api_world: World) -> None:
    taken = asyncio.run(seed_message(api_world.documents_path, api_world.a.practice_id, "call-a-1", "refill"))
    with api_world.client() as c:
        r = c.get("/api/messages", headers=api_world.a.staff.headers)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    items = r.json()["items"]
    mine = next(m for m in items if m["id"] == taken)
    assert mine | {"created_at": "-"} == {
        "id": taken,
        "session_id": "call-a-1",
        "kind": "refill",
        "caller_name": "Pat Caller",
        "phone": "5550100",
        "reason": "please call me back",
        "patient_id": None,
        "status": "open",
        "created_at": "-",
        "done_at": None,
        "done_by": None,
    }
    assert api_world.foreign["message_id"] not in r.text
    reads = audit_entries(api_world, api_world.a.practice_id, "messages")
    assert any(
        e["action"] == "search" and e["actor_id"] == f"user:{api_world.a.staff.user_id}" for e in reads
    )


def test_done_and_undo_move_a_message_between_lists(api_world: World) -> None:
    taken = asyncio.run(seed_message(api_world.documents_path, api_world.a.practice_id, "call-a-2"))
    h = api_world.a.staff.headers
    with api_world.client() as c:
        r = c.post(f"/api/messages/{taken}/done", headers=h)
        assert r.status_code == 200, r.text
        done = r.json()
        assert done["status"] == "done" and done["done_by"] == f"user:{api_world.a.staff.user_id}"
        assert done["done_at"]
        assert c.post(f"/api/messages/{taken}/done", headers=h).json()["done_at"] == done["done_at"]
        assert taken not in [m["id"] for m in c.get("/api/messages", headers=h).json()["items"]]
        listed = c.get("/api/messages", params={"status": "done"}, headers=h).json()["items"]
        assert taken in [m["id"] for m in listed]
        r = c.post(f"/api/messages/{taken}/undo", headers=h)
        assert r.status_code == 200 and r.json()["status"] == "open" and r.json()["done_at"] is None
        assert taken in [m["id"] for m in c.get("/api/messages", headers=h).json()["items"]]
    actions = [e["action"] for e in audit_entries(api_world, api_world.a.practice_id, taken)]
    assert {"create", "done", "undo"} <= set(actions)


def test_bad_requests_are_clear_4xx(api_world: World) -> None:
    h = api_world.a.staff.headers
    with api_world.client() as c:
        assert c.get("/api/messages").status_code == 401
        r = c.get("/api/messages", params={"status": "deleted"}, headers=h)
        assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
        assert c.get("/api/messages", params={"colour": "red"}, headers=h).status_code == 400
        r = c.post("/api/messages/msg-nope/done", headers=h)
        assert r.status_code == 404 and r.json()["status"] == 404
        r = c.post("/api/messages/%20%2F..%00/undo", headers=h)
        assert r.status_code == 404


def test_the_list_pages_by_cursor(api_world: World) -> None:
    async def seed() -> None:
        for n in range(55):
            await seed_message(api_world.documents_path, api_world.a.practice_id, f"call-page-{n}")

    asyncio.run(seed())
    h = api_world.a.staff.headers
    seen: list[str] = []
    with api_world.client() as c:
        page = c.get("/api/messages", headers=h).json()
        seen += [m["id"] for m in page["items"]]
        assert len(page["items"]) == 50 and page["next"]
        while page["next"]:
            page = c.get("/api/messages", params={"cursor": page["next"]}, headers=h).json()
            seen += [m["id"] for m in page["items"]]
    assert len(seen) == len(set(seen)) >= 55


def test_message_taken_reaches_the_practice_dashboard_only(api_world: World) -> None:
    """A real SignalR client on the staff hub of practice A hears A's ``message.taken``, not B's."""

    async def run() -> list[dict[str, object]]:
        received: list[dict[str, object]] = []
        opened, got = asyncio.Event(), asyncio.Event()

        async def on_open() -> None:
            opened.set()

        async def on_taken(args: list[dict[str, object]]) -> None:
            received.append(args[0])
            got.set()

        client = PySignalR(f"{api_world.base_url}/api/staff", headers=api_world.a.staff.headers)
        client.on_open(on_open)
        client.on("message.taken", on_taken)
        task = asyncio.create_task(client.run())
        services = Services(Settings.from_env(dict(os.environ)))  # the running host's settings
        store = EmbeddedDocumentStore(api_world.documents_path)
        service = MessageService(store, AuditLog(store), publish=staff_publisher(services))
        try:
            await asyncio.wait_for(opened.wait(), 10)
            for practice in (api_world.b.practice_id, api_world.a.practice_id):
                await service.take(
                    practice,
                    session_id="call-live",
                    kind="running_late",
                    caller_name="A",
                    phone="",
                    reason="",
                )
            await asyncio.wait_for(got.wait(), 10)
            await asyncio.sleep(0.2)
        finally:
            await store.close()
            await services.aclose()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            socket = getattr(getattr(client, "_transport", None), "_ws", None)
            if socket is not None:
                await socket.close()
        return received

    received = asyncio.run(run())
    assert len(received) == 1 and received[0]["kind"] == "running_late"
    assert set(received[0]) == {"id", "kind"} and str(received[0]["id"]).startswith("msg-")
