from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from practicekit import DEMO

from reddytalk.practice.loader import load_practice_file
from reddytalk.practice.models import PracticeFile
from reddytalk.practice.repository import seed_practice
from reddytalk.stores.documents.embedded import EmbeddedDocumentStore


@pytest.fixture(scope="session")
def demo() -> PracticeFile:
    return load_practice_file(DEMO)


@pytest.fixture
async def documents(tmp_path: Path, demo: PracticeFile) -> AsyncIterator[EmbeddedDocumentStore]:
    store = EmbeddedDocumentStore(tmp_path / "documents.sqlite3")
    await seed_practice(store, demo)
    yield store
    await store.close()
