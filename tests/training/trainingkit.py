"""A local host for the training pipeline tests, and helpers to seed calls and watch the queue.

The host runs the real app from a script root that links ``function_app.py`` and carries a
``host.json`` whose queue retries are shortened (visibility timeout, dequeue count), so a poison
message reaches ``training-jobs-poison`` in about a second instead of minutes. Everything else is
the project's own host.json.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from devhost.host import HostThread, LocalHost
from localqueue.core import LocalQueue
from reddytalk.auth.passwords import Passwords
from reddytalk.auth.rbac import Role
from reddytalk.auth.service import AuthService
from reddytalk.calls.contracts import Call, TurnRecord
from reddytalk.calls.post_call import transcript_id
from reddytalk.calls.records import CallRecords
from reddytalk.practice.loader import load_practice_file
from reddytalk.practice.repository import seed_practice
from reddytalk.settings import Settings
from reddytalk.stores.documents.base import Document, Query
from reddytalk.stores.documents.embedded import EmbeddedDocumentStore

ROOT = Path(__file__).resolve().parents[2]
QUEUE = "training-jobs"
POISON = "training-jobs-poison"
T = TypeVar("T")
PASSWORD = "admin passphrase for training tests"


@dataclass
class TrainingWorld:
    base_url: str
    state: Path
    practice_id: str
    admin_headers: dict[str, str]
    handle: HostThread


def script_root(tmp: Path, *, max_dequeue: int = 3) -> Path:
    root = tmp / "app"
    root.mkdir()
    (root / "function_app.py").symlink_to(ROOT / "function_app.py")
    config = json.loads((ROOT / "host.json").read_text())
    config["extensions"]["queues"].update(
        {
            "visibilityTimeout": "00:00:00.1",
            "maxPollingInterval": "00:00:00.2",
            "maxDequeueCount": max_dequeue,
        }
    )
    (root / "host.json").write_text(json.dumps(config))
    return root


def host_env(state: Path) -> dict[str, str]:
    return {
        "DOCUMENTS_CONNECTION": f"UseEmbeddedStorage=true;Path={state / 'documents.sqlite3'}",
        "BLOBS_CONNECTION": f"UseEmbeddedStorage=true;Path={state / 'blobs'}",
        "QUEUES_CONNECTION": f"UseEmbeddedStorage=true;Path={state / 'queues.sqlite3'}",
        "AzureWebJobsStorage": f"UseEmbeddedStorage=true;Path={state / 'queues.sqlite3'}",
    }


# The management API needs the host's system key; the helpers below take the host's base URL.
_SYSTEM_KEYS: dict[str, str] = {}


def start_host(state: Path) -> HostThread:
    handle = LocalHost(script_root(state), state / "host", port=0, env=host_env(state)).run_in_thread()
    _SYSTEM_KEYS[handle.base_url] = handle.system_key
    return handle


def _key_header(base_url: str) -> dict[str, str]:
    return {"x-functions-key": _SYSTEM_KEYS[base_url]}


def queue(state: Path) -> LocalQueue:
    return LocalQueue(state / "queues.sqlite3")


def wait_for(check: Callable[[], T | None], timeout: float = 60.0, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def instance(base_url: str, instance_id: str) -> dict[str, Any] | None:
    r = httpx.get(
        f"{base_url}/runtime/webhooks/durabletask/instances/{instance_id}",
        headers=_key_header(base_url),
        timeout=10,
    )
    return r.json() if r.status_code in (200, 202) else None


def finished(base_url: str, instance_id: str, timeout: float = 60.0) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        status = instance(base_url, instance_id)
        if status and status["runtimeStatus"] in ("Completed", "Failed", "Terminated"):
            return status
        return None

    return wait_for(check, timeout, f"orchestration {instance_id}")


def instances(base_url: str, prefix: str) -> list[dict[str, Any]]:
    r = httpx.get(
        f"{base_url}/runtime/webhooks/durabletask/instances",
        params={"instanceIdPrefix": prefix},
        headers=_key_header(base_url),
        timeout=10,
    )
    r.raise_for_status()
    return list(r.json())


async def _seed_call(
    state: Path, practice_id: str, session_id: str, consent: bool, callers: list[str]
) -> None:
    docs = EmbeddedDocumentStore(state / "documents.sqlite3")
    try:
        records = CallRecords(docs)
        call = Call(session_id=session_id, practice_id=practice_id, recording_consent=consent)
        await records.create_session(call, call_id=None, token_hash="x")
        lines = [{"turn": 0, "speaker": "receptionist", "text": "Thanks for calling, how can I help?"}]
        for turn, text in enumerate(callers, start=1):
            await records.save_turn(
                TurnRecord(session_id=session_id, turn=turn, caller=text, reply="Okay."), practice_id
            )
            lines += [
                {"turn": turn, "speaker": "caller", "text": text},
                {"turn": turn, "speaker": "receptionist", "text": "Okay."},
            ]
        await docs.upsert(
            "transcripts",
            {
                "id": transcript_id(session_id),
                "session_id": session_id,
                "practice_id": practice_id,
                "kind": "transcript",
                "lines": lines,
            },
        )
        await records.mark(practice_id, session_id, status="ended")
    finally:
        await docs.close()


def seed_call(state: Path, practice_id: str, session_id: str, *, consent: bool, callers: list[str]) -> None:
    asyncio.run(_seed_call(state, practice_id, session_id, consent, callers))


def documents(state: Path, container: str, partition: str) -> list[Document]:
    async def read() -> list[Document]:
        store = EmbeddedDocumentStore(state / "documents.sqlite3")
        try:
            page = await store.query(container, Query(partition_key=partition, limit=1000))
            return page.items
        finally:
            await store.close()

    return asyncio.run(read())


async def _seed_practice(state: Path) -> str:
    store = EmbeddedDocumentStore(state / "documents.sqlite3")
    try:
        practice = load_practice_file(ROOT / "examples" / "demo-practice.json")
        await seed_practice(store, practice)
        auth = AuthService(store, Settings.from_env({}), passwords=Passwords())
        # The retrain route is for platform operators (the intent model is shared by every practice).
        await auth.add_admin(practice.practice.id, "ops@training.test", PASSWORD, "Ops", role=Role.OPERATOR)
        return practice.practice.id
    finally:
        await store.close()


def seed_practice_and_admin(state: Path) -> str:
    return asyncio.run(_seed_practice(state))
