from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from agentkit import DEMO
from fixtures.openai_standin import OpenAIStandIn, run_openai_standin

from reddytalk.agent.brains.local import LocalBrain
from reddytalk.practice.loader import load_practice_file
from reddytalk.practice.models import PracticeFile
from reddytalk.practice.repository import seed_practice
from reddytalk.stores.documents.embedded import EmbeddedDocumentStore


@pytest.fixture(scope="session")
def demo() -> PracticeFile:
    return load_practice_file(DEMO)


@pytest.fixture(scope="session")
def local_brain() -> LocalBrain:
    return LocalBrain()


@pytest.fixture
async def documents(tmp_path: Path, demo: PracticeFile) -> AsyncIterator[EmbeddedDocumentStore]:
    store = EmbeddedDocumentStore(tmp_path / "documents.sqlite3")
    await seed_practice(store, demo)
    yield store
    await store.close()


@pytest.fixture
async def openai_standin() -> AsyncIterator[OpenAIStandIn]:
    async with run_openai_standin() as standin:
        yield standin
