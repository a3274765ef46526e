"""The training pipeline's local host (one per module), with the demo practice and an admin."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from trainingkit import ROOT, start_host

from devhost.host import HostThread
from reddytalk.auth.passwords import Passwords
from reddytalk.auth.service import AuthService
from reddytalk.practice.loader import load_practice_file
from reddytalk.practice.repository import seed_practice
from reddytalk.settings import Settings
from reddytalk.stores.documents.embedded import EmbeddedDocumentStore

PASSWORD = "admin passphrase for training tests"


@dataclass
class TrainingWorld:
    base_url: str
    state: Path
    practice_id: str
    admin_headers: dict[str, str]
    handle: HostThread


async def _seed(state: Path) -> str:
    store = EmbeddedDocumentStore(state / "documents.sqlite3")
    try:
        practice = load_practice_file(ROOT / "examples" / "demo-practice.json")
        await seed_practice(store, practice)
        auth = AuthService(store, Settings.from_env({}), passwords=Passwords())
        await auth.add_admin(practice.practice.id, "ops@training.test", PASSWORD, "Ops Admin")
        return practice.practice.id
    finally:
        await store.close()


@pytest.fixture(scope="module")
def training_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrainingWorld]:
    state = tmp_path_factory.mktemp("training-host")
    practice_id = asyncio.run(_seed(state))
    handle = start_host(state)
    try:
        r = httpx.post(
            f"{handle.base_url}/api/auth/login",
            json={"email": "ops@training.test", "password": PASSWORD},
            timeout=30,
        )
        assert r.status_code == 200, r.text
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        yield TrainingWorld(handle.base_url, state, practice_id, headers, handle)
    finally:
        handle.stop()
