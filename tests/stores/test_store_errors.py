"""Each store failure reaches callers as one clear, typed error: bad settings, unreachable services."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from localqueue import connection_path
from reddytalk.errors import ConfigurationError, PreconditionFailed, ServiceUnavailable
from reddytalk.settings import Settings
from reddytalk.stores import connection, open_blobs, open_documents, open_queues
from reddytalk.stores.blobs.azure import AzureBlobStore
from reddytalk.stores.documents.base import Query
from reddytalk.stores.documents.cosmos import CosmosDocumentStore
from reddytalk.stores.documents.embedded import EmbeddedDocumentStore
from reddytalk.stores.queues.azure import AzureQueueStore

SECRET = "c2VjcmV0LWtleS1kby1ub3QtbGVhaw=="


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port on 127.0.0.1 that refuses connections (bound, never listening)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "nonsense",
        f"AccountKey={SECRET}",
        f"AccountEndpoint=ftp://x;AccountKey={SECRET}",
        f"DefaultEndpointsProtocol=https;AccountName=a;AccountKey={SECRET}",  # storage, not Cosmos
        "UseEmbeddedStorage=true",
    ],
)
def test_bad_documents_connection_is_a_configuration_error_without_the_secret(raw: str) -> None:
    settings = Settings.from_env({"DOCUMENTS_CONNECTION": raw or " "})
    with pytest.raises(ConfigurationError) as info:
        open_documents(settings)
    assert SECRET not in str(info.value)
    assert "DOCUMENTS_CONNECTION" in str(info.value)


@pytest.mark.parametrize(
    "raw",
    [
        "nonsense",
        f"AccountEndpoint=https://x.documents.azure.com/;AccountKey={SECRET}",
        "BlobEndpoint=http://x",
    ],
)
def test_bad_storage_connection_is_a_configuration_error_without_the_secret(raw: str) -> None:
    with pytest.raises(ConfigurationError) as blobs:
        open_blobs(Settings.from_env({"BLOBS_CONNECTION": raw}))
    with pytest.raises(ConfigurationError) as queues:
        open_queues(Settings.from_env({"QUEUES_CONNECTION": raw}))
    assert SECRET not in str(blobs.value) + str(queues.value)
    assert "BLOBS_CONNECTION" in str(blobs.value)
    assert "QUEUES_CONNECTION" in str(queues.value)


def test_connection_strings_pick_the_implementation(tmp_path: Path) -> None:
    assert isinstance(
        connection.documents_target("UseEmbeddedStorage=true;Path=/x/d.db"), connection.Embedded
    )
    cosmos = connection.documents_target(
        f"AccountEndpoint=https://a.documents.azure.com:443/;AccountKey={SECRET};"
    )
    assert isinstance(cosmos, connection.Cosmos)
    assert cosmos.verify_tls
    assert SECRET not in repr(cosmos)
    emulator = connection.documents_target(
        f"AccountEndpoint=https://127.0.0.1:8081/;AccountKey={SECRET};DisableServerCertificateValidation=True"
    )
    assert isinstance(emulator, connection.Cosmos) and not emulator.verify_tls
    for raw in (
        "UseDevelopmentStorage=true",
        f"DefaultEndpointsProtocol=https;AccountName=a;AccountKey={SECRET};EndpointSuffix=core.windows.net",
        f"BlobEndpoint=http://127.0.0.1:1/a;QueueEndpoint=http://127.0.0.1:2/a;AccountName=a;AccountKey={SECRET}",
    ):
        target = connection.storage_target(raw, "BLOBS_CONNECTION")
        assert isinstance(target, connection.AzureStorage)
        assert SECRET not in repr(target)
    relative = connection.storage_target("UseEmbeddedStorage=true;Path=.data/blobs", "BLOBS_CONNECTION")
    assert isinstance(relative, connection.Embedded) and relative.path.is_absolute()


async def test_unreachable_cosmos_is_service_unavailable(closed_port: int) -> None:
    store = CosmosDocumentStore(
        f"https://127.0.0.1:{closed_port}/",
        SECRET,
        "reddytalk",
        verify_tls=False,
        timeout_seconds=1,
        retries=0,
    )
    try:
        with pytest.raises(ServiceUnavailable) as info:
            await store.read("patients", "pt1", "pt1")
    finally:
        await store.close()
    assert info.value.status == 503
    assert info.value.transient
    assert SECRET not in str(info.value)


async def test_unreachable_blob_storage_is_service_unavailable(closed_port: int) -> None:
    raw = (
        f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={SECRET};"
        f"BlobEndpoint=http://127.0.0.1:{closed_port}/devstoreaccount1;"
    )
    store = AzureBlobStore(raw, timeout_seconds=1, retries=0)
    try:
        with pytest.raises(ServiceUnavailable):
            await store.get("recordings", "x.wav")
        with pytest.raises(ServiceUnavailable):
            await store.put("recordings", "x.wav", b"x")
    finally:
        await store.close()


async def test_unreachable_queue_storage_is_service_unavailable(closed_port: int) -> None:
    raw = (
        f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={SECRET};"
        f"QueueEndpoint=http://127.0.0.1:{closed_port}/devstoreaccount1;"
    )
    store = AzureQueueStore(raw, timeout_seconds=1, retries=0)
    try:
        with pytest.raises(ServiceUnavailable):
            await store.send("training-jobs", "job")
        with pytest.raises(ServiceUnavailable):
            await store.receive("training-jobs")
    finally:
        await store.close()


async def test_stale_etag_is_a_412_conflict(tmp_path: Path) -> None:
    store = EmbeddedDocumentStore(tmp_path / "d.sqlite3")
    try:
        doc = await store.create("practices", {"id": "pr1", "practice_id": "pr1", "name": "Clinic"})
        await store.replace("practices", {**doc, "name": "Clinic 2"}, etag=doc["_etag"])
        with pytest.raises(PreconditionFailed) as info:
            await store.replace("practices", {**doc, "name": "Clinic 3"}, etag=doc["_etag"])
        assert info.value.status == 412
        assert info.value.to_problem()["code"] == "precondition_failed"
        assert await store.count("practices", Query()) == 1
    finally:
        await store.close()


async def test_closed_embedded_store_is_service_unavailable(tmp_path: Path) -> None:
    store = EmbeddedDocumentStore(tmp_path / "d.sqlite3")
    await store.close()
    with pytest.raises(ServiceUnavailable):
        await store.read("practices", "pr1", "pr1")


def test_unopenable_embedded_file_is_service_unavailable(tmp_path: Path) -> None:
    folder = tmp_path / "a-directory"
    folder.mkdir()
    with pytest.raises(ServiceUnavailable):
        EmbeddedDocumentStore(folder)


def test_app_and_local_host_resolve_the_same_embedded_queue_file() -> None:
    """The app's queue store and the local host's trigger poller must open one file."""
    for raw in (
        "UseEmbeddedStorage=true;Path=.data/queues.sqlite3",
        "UseEmbeddedStorage=true;Path=/tmp/q.db",
    ):
        target = connection.storage_target(raw, "QUEUES_CONNECTION")
        assert isinstance(target, connection.Embedded)
        assert target.path == connection_path(raw)
