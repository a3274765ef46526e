"""One contract for every blob store: the embedded folder store and Azure Blob Storage (Azurite)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from reddytalk.errors import Conflict, NotFound, ValidationFailed
from reddytalk.settings import Settings
from reddytalk.stores import open_blobs
from reddytalk.stores.blobs.base import BlobStore


@pytest.fixture(params=["embedded", pytest.param("azure", marks=pytest.mark.azure)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "embedded":
        return Settings.from_env({"BLOBS_CONNECTION": f"UseEmbeddedStorage=true;Path={tmp_path}/blobs"})
    return Settings.from_env({"BLOBS_CONNECTION": request.getfixturevalue("azurite")})


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[BlobStore]:
    blobs = open_blobs(settings)
    yield blobs
    await blobs.close()


@pytest.fixture
def container() -> str:
    """A fresh container per test (Azurite lives for the whole session)."""
    return f"c-{uuid.uuid4().hex[:16]}"


async def test_put_get_info_delete(store: BlobStore, container: str) -> None:
    audio = bytes(range(256)) * 40
    info = await store.put(
        container, "calls/s1/utt-0001.wav", audio, content_type="audio/wav", metadata={"session_id": "s1"}
    )
    assert (info.name, info.size, info.content_type) == ("calls/s1/utt-0001.wav", len(audio), "audio/wav")
    assert info.etag
    assert await store.get(container, "calls/s1/utt-0001.wav") == audio
    again = await store.info(container, "calls/s1/utt-0001.wav")
    assert again.size == len(audio)
    assert again.content_type == "audio/wav"
    assert again.metadata == {"session_id": "s1"}
    assert again.etag == info.etag
    assert again.last_modified > 1_700_000_000
    assert await store.exists(container, "calls/s1/utt-0001.wav")
    await store.delete(container, "calls/s1/utt-0001.wav")
    assert not await store.exists(container, "calls/s1/utt-0001.wav")
    with pytest.raises(NotFound):
        await store.get(container, "calls/s1/utt-0001.wav")


async def test_ranged_reads(store: BlobStore, container: str) -> None:
    data = b"0123456789abcdef"
    await store.put(container, "r.bin", data)
    assert await store.get(container, "r.bin", offset=4, length=3) == b"456"
    assert await store.get(container, "r.bin", offset=10) == b"abcdef"
    assert await store.get(container, "r.bin", offset=0, length=2) == b"01"
    assert await store.get(container, "r.bin", offset=14, length=10) == b"ef"  # clipped at the end
    assert await store.get(container, "r.bin", offset=16) == b""  # starts at the end
    assert await store.get(container, "r.bin", offset=99, length=2) == b""
    with pytest.raises(ValidationFailed):
        await store.get(container, "r.bin", offset=-1)


async def test_empty_blob(store: BlobStore, container: str) -> None:
    await store.put(container, "empty", b"")
    assert await store.get(container, "empty") == b""
    assert (await store.info(container, "empty")).size == 0


async def test_overwrite_and_conflict(store: BlobStore, container: str) -> None:
    first = await store.put(container, "tts/abc.wav", b"one", metadata={"voice": "a"})
    second = await store.put(container, "tts/abc.wav", b"two", content_type="audio/wav")
    assert second.etag != first.etag
    assert await store.get(container, "tts/abc.wav") == b"two"
    info = await store.info(container, "tts/abc.wav")
    assert info.metadata == {}
    assert info.content_type == "audio/wav"
    with pytest.raises(Conflict):
        await store.put(container, "tts/abc.wav", b"three", overwrite=False)
    assert await store.get(container, "tts/abc.wav") == b"two"


async def test_list_by_prefix_sorted(store: BlobStore, container: str) -> None:
    for name in ["b/2", "a/1", "a/2", "a", "c"]:
        await store.put(container, name, name.encode(), metadata={"n": name.replace("/", "_")})
    assert [i.name for i in await store.list(container)] == ["a", "a/1", "a/2", "b/2", "c"]
    listed = await store.list(container, prefix="a/")
    assert [i.name for i in listed] == ["a/1", "a/2"]
    assert [i.size for i in listed] == [3, 3]
    assert listed[0].metadata == {"n": "a_1"}
    assert await store.list(container, prefix="zzz") == []
    assert await store.list(f"{container}-none") == []


async def test_missing_blob_errors(store: BlobStore, container: str) -> None:
    await store.put(container, "x", b"x")
    with pytest.raises(NotFound):
        await store.get(container, "y")
    with pytest.raises(NotFound):
        await store.info(container, "y")
    with pytest.raises(NotFound):
        await store.delete(container, "y")
    with pytest.raises(NotFound):
        await store.get(f"{container}-none", "x")
    assert not await store.exists(f"{container}-none", "x")


@pytest.mark.parametrize("name", ["../etc/passwd", "a/../../b", "/abs", "a//b", "a\\b", "dir/", "x\x00y", ""])
async def test_unsafe_blob_names_are_refused(store: BlobStore, container: str, name: str) -> None:
    with pytest.raises(ValidationFailed):
        await store.put(container, name, b"x")
    with pytest.raises(ValidationFailed):
        await store.get(container, name)


@pytest.mark.parametrize("bad", ["Upper", "ab", "a_b", "-ab", "a--b"])
async def test_bad_container_names_are_refused(store: BlobStore, bad: str) -> None:
    with pytest.raises(ValidationFailed):
        await store.put(bad, "x", b"x")


async def test_bad_metadata_is_refused(store: BlobStore, container: str) -> None:
    with pytest.raises(ValidationFailed):
        await store.put(container, "x", b"x", metadata={"bad-key": "v"})
    with pytest.raises(ValidationFailed):
        await store.put(container, "x", b"x", metadata={"k": "caf\u00e9"})
    assert not await store.exists(container, "x")


async def test_concurrent_create_only_one_wins(store: BlobStore, container: str) -> None:
    results = await asyncio.gather(
        *(store.put(container, "once", str(i).encode(), overwrite=False) for i in range(6)),
        return_exceptions=True,
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(r, Conflict) for r in results if isinstance(r, BaseException))


async def test_embedded_blobs_persist_and_stay_inside_the_root(tmp_path: Path) -> None:
    settings = Settings.from_env({"BLOBS_CONNECTION": f"UseEmbeddedStorage=true;Path={tmp_path}/blobs"})
    first = open_blobs(settings)
    await first.put("recordings", "s1/full.wav", b"RIFF....", content_type="audio/wav")
    await first.close()
    second = open_blobs(settings)
    assert await second.get("recordings", "s1/full.wav") == b"RIFF...."
    assert (await second.info("recordings", "s1/full.wav")).content_type == "audio/wav"
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files and all(p.is_relative_to(tmp_path / "blobs" / "recordings") for p in files)
    assert not [p for p in files if p.name.endswith(".tmp")]
