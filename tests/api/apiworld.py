"""An API test world: the real app on the local host, with two practices seeded from the demo file.

Practice A and practice B are copies of ``examples/demo-practice.json`` under different ids. Each
gets an admin (created with the operator bootstrap, as ``reddytalk users add-admin`` does) and a
staff member who joined with an invite over HTTP. ``foreign`` names one practice-B resource per
path parameter; the isolation matrix looks resources up there by parameter name.
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from callseed import seed_call

from devhost.host import HostThread, LocalHost
from reddytalk.audit import AuditLog
from reddytalk.auth.passwords import Passwords
from reddytalk.auth.service import AuthService
from reddytalk.messages.service import MessageService
from reddytalk.practice.loader import parse_practice
from reddytalk.practice.repository import seed_practice
from reddytalk.settings import Settings
from reddytalk.stores.documents.base import Query
from reddytalk.stores.documents.embedded import EmbeddedDocumentStore

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo-practice.json"
PASSWORD = "staff passphrase for tests"


def practice_copy(prefix: str) -> dict[str, Any]:
    """The demo practice with every id prefixed (patient ids are global: the patients partition key)."""
    data = copy.deepcopy(json.loads(DEMO.read_text()))
    data["practice"]["id"] = f"{prefix}-practice"
    data["practice"]["name"] = f"{prefix.upper()} {data['practice']['name']}"
    for patient in data["patients"]:
        patient["id"] = f"{prefix}-{patient['id']}"
    for appt in data["appointments"]:
        appt["id"] = f"{prefix}-{appt['id']}"
        appt["patient_id"] = f"{prefix}-{appt['patient_id']}"
    return data


@dataclass
class Member:
    email: str
    user_id: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


@dataclass
class Practice:
    practice_id: str
    data: dict[str, Any]
    admin: Member
    staff: Member


@dataclass
class World:
    base_url: str
    documents_path: Path
    a: Practice
    b: Practice
    foreign: dict[str, str] = field(default_factory=dict)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=30.0)


def host_env(state: Path) -> dict[str, str]:
    return {
        "DOCUMENTS_CONNECTION": f"UseEmbeddedStorage=true;Path={state / 'documents.sqlite3'}",
        "BLOBS_CONNECTION": f"UseEmbeddedStorage=true;Path={state / 'blobs'}",
        "QUEUES_CONNECTION": f"UseEmbeddedStorage=true;Path={state / 'queues.sqlite3'}",
        "AzureWebJobsStorage": f"UseEmbeddedStorage=true;Path={state / 'queues.sqlite3'}",
        # The tests play the platform's front end: the last X-Forwarded-For hop is the client.
        "TRUSTED_PROXY_HOPS": "1",
    }


def start_host(state: Path) -> HostThread:
    """The host with its SignalR stand-in (the staff dashboard's negotiate needs it)."""
    return LocalHost(ROOT, state / "host", port=0, signalr_port=0, env=host_env(state)).run_in_thread()


async def _seed(path: Path, prefix: str) -> tuple[str, dict[str, Any], str]:
    data = practice_copy(prefix)
    store = EmbeddedDocumentStore(path)
    try:
        await seed_practice(store, parse_practice(data))
        auth = AuthService(store, Settings.from_env({}), passwords=Passwords())
        admin = await auth.add_admin(
            data["practice"]["id"], f"admin@{prefix}.test", PASSWORD, f"{prefix} Admin"
        )
    finally:
        await store.close()
    return data["practice"]["id"], data, admin.id


def login(client: httpx.Client, email: str, password: str = PASSWORD, address: str = "192.0.2.1") -> Member:
    r = client.post(
        "/api/auth/login", json={"email": email, "password": password}, headers={"X-Forwarded-For": address}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    return Member(email, body["user"]["id"], body["access_token"], body["refresh_token"])


def _practice(client: httpx.Client, path: Path, prefix: str) -> Practice:
    practice_id, data, _ = asyncio.run(_seed(path, prefix))
    admin = login(client, f"admin@{prefix}.test")
    r = client.post("/api/auth/invites", json={"email": f"staff@{prefix}.test"}, headers=admin.headers)
    assert r.status_code == 201, r.text
    code = r.json()["invite_code"]
    r = client.post(
        "/api/auth/register",
        json={
            "invite_code": code,
            "email": f"staff@{prefix}.test",
            "password": PASSWORD,
            "full_name": "Sam Staff",
        },
    )
    assert r.status_code == 201, r.text
    body = r.json()
    staff = Member(f"staff@{prefix}.test", body["user"]["id"], body["access_token"], body["refresh_token"])
    return Practice(practice_id, data, admin, staff)


def build_world(base_url: str, path: Path) -> World:
    with httpx.Client(base_url=base_url, timeout=30.0) as client:
        a = _practice(client, path, "a")
        b = _practice(client, path, "b")
    world = World(base_url, path, a, b)
    world.foreign = {
        "patient_id": b.data["patients"][0]["id"],
        "appointment_id": b.data["appointments"][0]["id"],
        "user_id": b.staff.user_id,
        "session_id": "call-b-foreign",
    }
    # A finished practice-B call with transcript and recording (the staff call routes' resource).
    seed_call(path.parent, b.practice_id, world.foreign["session_id"])
    # A message practice B's staff have not handled yet (the staff inbox routes' resource).
    world.foreign["message_id"] = asyncio.run(seed_message(path, b.practice_id, world.foreign["session_id"]))
    return world


async def seed_message(path: Path, practice_id: str, session_id: str, kind: str = "callback") -> str:
    """A message taken by the receptionist, through the same service its tool uses."""
    store = EmbeddedDocumentStore(path)
    try:
        taken = await MessageService(store, AuditLog(store)).take(
            practice_id,
            session_id=session_id,
            kind=kind,
            caller_name="Pat Caller",
            phone="5550100",
            reason="please call me back",
        )
    finally:
        await store.close()
    return taken.id


def audit_entries(world: World, practice_id: str, resource_id: str) -> list[dict[str, Any]]:
    async def read() -> list[dict[str, Any]]:
        store = EmbeddedDocumentStore(world.documents_path)
        try:
            page = await store.query(
                "audit", Query(where={"resource_id": resource_id}, partition_key=practice_id, limit=1000)
            )
            return page.items
        finally:
            await store.close()

    return asyncio.run(read())


class FakeClock:
    """Epoch seconds that only move when a test says so."""

    def __init__(self, start: float | None = None) -> None:
        self.now = float(int(start if start is not None else time.time()))

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
