"""Helpers for the call tests: a seeded local host running the app, and a caller's voice."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devhost.host import HostThread, LocalHost
from reddytalk.practice.loader import load_practice_file
from reddytalk.practice.repository import PracticeRepository, seed_practice
from reddytalk.stores.documents.embedded import EmbeddedDocumentStore
from reddytalk.voice.tts.local import LocalTextToSpeech

ROOT = Path(__file__).resolve().parents[2]
PRACTICE_FILE = ROOT / "examples" / "demo-practice.json"
NOW = "2026-11-30T08:30:00-05:00"  # the agent scenarios' clock: a Monday morning


@dataclass
class CallWorld:
    """The app on a local host, its state folder and the seeded demo practice."""

    base_url: str
    state: Path
    practice_id: str


def host_env(state: Path, **extra: str) -> dict[str, str]:
    return {
        "DOCUMENTS_CONNECTION": f"UseEmbeddedStorage=true;Path={state}/documents.sqlite3",
        "BLOBS_CONNECTION": f"UseEmbeddedStorage=true;Path={state}/blobs",
        "QUEUES_CONNECTION": f"UseEmbeddedStorage=true;Path={state}/queues.sqlite3",
        "CLOCK_FIXED_AT": NOW,
        "IDLE_TIMEOUT_SECONDS": "5",
        **extra,
    }


async def seed_store(state: Path) -> str:
    """Load the demo practice into the embedded store under ``state``; returns its id."""
    store = EmbeddedDocumentStore(state / "documents.sqlite3")
    try:
        practice = load_practice_file(PRACTICE_FILE)
        await seed_practice(store, practice)
        return practice.practice.id
    finally:
        await store.close()


def seed(state: Path) -> str:
    return asyncio.run(seed_store(state))


def start_host(state: Path, env: Mapping[str, str]) -> HostThread:
    return LocalHost(ROOT, state / "host", port=0, signalr_port=0, env=env).run_in_thread()


class Voice:
    """The caller's voice: local TTS, cached per phrase."""

    def __init__(self) -> None:
        self.tts = LocalTextToSpeech()
        self._cache: dict[str, bytes] = {}

    async def __call__(self, text: str) -> bytes:
        if text not in self._cache:
            self._cache[text] = b"".join([chunk async for chunk in self.tts.synthesize(text)])
        return self._cache[text]


async def appointments_of(state: Path, practice_id: str) -> list[dict[str, Any]]:
    store = EmbeddedDocumentStore(state / "documents.sqlite3")
    try:
        repo = PracticeRepository(store, practice_id)
        return [a.model_dump(mode="json") for a in await repo.appointments()]
    finally:
        await store.close()
