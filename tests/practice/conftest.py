from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from reddytalk.practice.loader import load_practice_file
from reddytalk.practice.models import PracticeFile
from reddytalk.practice.repository import seed_practice
from reddytalk.stores.documents.embedded import EmbeddedDocumentStore

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo-practice.json"
ZONE = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 30, 8, 30, tzinfo=ZONE)  # a Monday morning


@pytest.fixture(scope="session")
def demo() -> PracticeFile:
    return load_practice_file(DEMO)


@pytest.fixture
async def documents(tmp_path: Path, demo: PracticeFile) -> AsyncIterator[EmbeddedDocumentStore]:
    store = EmbeddedDocumentStore(tmp_path / "documents.sqlite3")
    await seed_practice(store, demo)
    yield store
    await store.close()
