"""Shared test fixtures. Server launchers live in ``tests/fixtures/``; they are exposed here."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fixtures.azure_speech_standin import AzureSpeechStandIn
from fixtures.azurite import run_azurite
from fixtures.cosmos_server import run_cosmos_server
from fixtures.elevenlabs_standin import ElevenLabsStandIn


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Connection string of an in-memory Azurite (Blob + Queue + Table) started once per session."""
    with run_azurite(tmp_path_factory.mktemp("azurite")) as server:
        yield server.connection_string


@pytest.fixture(scope="session")
def cosmos_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Connection string of a ``@vercel/cosmosdb-server`` started once per session (empty at start)."""
    with run_cosmos_server(tmp_path_factory.mktemp("cosmos")) as server:
        yield server.connection_string


@pytest.fixture
def elevenlabs_standin() -> Iterator[ElevenLabsStandIn]:
    """A fresh ElevenLabs HTTP stand-in (healthy until a test changes its attributes)."""
    server = ElevenLabsStandIn().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def azure_speech_standin() -> Iterator[AzureSpeechStandIn]:
    """A fresh Azure Speech WebSocket (USP) stand-in for the unmodified Speech SDK."""
    server = AzureSpeechStandIn().start()
    try:
        yield server
    finally:
        server.stop()
