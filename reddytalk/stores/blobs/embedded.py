"""The embedded blob store: one folder per container, each blob a data file plus a JSON sidecar.

Files are named by a hash of the blob name, so any valid name maps to one flat, safe file name.
A write puts the bytes in a new data file named after its ETag, then atomically replaces the
sidecar that points at it: readers see the old blob or the new one, never a mix. Writers hold a
per-container file lock, so ``overwrite=False`` is race-free across threads and processes.
"""

from __future__ import annotations

import asyncio
import builtins
import fcntl
import hashlib
import json
import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from reddytalk.errors import Conflict, NotFound, ServiceUnavailable, ValidationFailed
from reddytalk.stores.blobs.base import BlobInfo
from reddytalk.stores.blobs.names import check_blob_name, check_container, check_metadata, check_range

_READ_RETRIES = 3  # a concurrent overwrite may remove the data file between sidecar and data read


class EmbeddedBlobStore:
    """``BlobStore`` on a local folder; created on first use, persistent across restarts."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()

    async def put(
        self,
        container: str,
        name: str,
        data: bytes,
        *,
        content_type: str = "application/octet-stream",
        metadata: dict[str, str] | None = None,
        overwrite: bool = True,
    ) -> BlobInfo:
        check_container(container)
        check_blob_name(name)
        if not isinstance(data, bytes | bytearray | memoryview):
            raise ValidationFailed("blob data must be bytes")
        if not isinstance(content_type, str) or not content_type or len(content_type) > 255:
            raise ValidationFailed("content type must be a short non-empty string")
        meta = check_metadata(metadata)
        return await asyncio.to_thread(self._put, container, name, bytes(data), content_type, meta, overwrite)

    async def get(self, container: str, name: str, *, offset: int = 0, length: int | None = None) -> bytes:
        check_container(container)
        check_blob_name(name)
        check_range(offset, length)
        return await asyncio.to_thread(self._get, container, name, offset, length)

    async def info(self, container: str, name: str) -> BlobInfo:
        check_container(container)
        check_blob_name(name)
        sidecar = await asyncio.to_thread(self._sidecar, container, name)
        if sidecar is None:
            raise NotFound("blob not found")
        return _info(container, sidecar)

    async def exists(self, container: str, name: str) -> bool:
        check_container(container)
        check_blob_name(name)
        return await asyncio.to_thread(self._sidecar, container, name) is not None

    async def list(self, container: str, prefix: str = "") -> list[BlobInfo]:
        check_container(container)
        if not isinstance(prefix, str):
            raise ValidationFailed("prefix must be a string")
        return await asyncio.to_thread(self._list, container, prefix)

    async def delete(self, container: str, name: str) -> None:
        check_container(container)
        check_blob_name(name)
        await asyncio.to_thread(self._delete, container, name)

    async def close(self) -> None:
        return None

    # -- file system work (runs in a worker thread) ----------------------------------------------

    def _paths(self, container: str, name: str) -> tuple[Path, Path]:
        folder = self.root / container
        key = hashlib.sha256(name.encode("utf-8")).hexdigest()
        return folder, folder / f"{key}.json"

    @contextmanager
    def _locked(self, container: str) -> Iterator[Path]:
        folder = self.root / container
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with self._lock, (folder / ".lock").open("a+b") as lock_file:
                fcntl.flock(lock_file, fcntl.LOCK_EX)
                try:
                    yield folder
                finally:
                    fcntl.flock(lock_file, fcntl.LOCK_UN)
        except OSError as exc:
            raise ServiceUnavailable(f"embedded blob store failed: {type(exc).__name__}") from None

    def _put(
        self, container: str, name: str, data: bytes, content_type: str, meta: dict[str, str], overwrite: bool
    ) -> BlobInfo:
        with self._locked(container) as folder:
            _, sidecar_path = self._paths(container, name)
            previous = _load(sidecar_path)
            if previous is not None and not overwrite:
                raise Conflict("a blob with this name already exists")
            etag = f'"{uuid.uuid4()}"'
            data_name = f"{sidecar_path.stem}.{etag.strip(chr(34))}.bin"
            sidecar: dict[str, Any] = {
                "name": name,
                "data": data_name,
                "size": len(data),
                "content_type": content_type,
                "metadata": meta,
                "etag": etag,
                "last_modified": time.time(),
            }
            _write_atomically(folder / data_name, data)
            _write_atomically(sidecar_path, json.dumps(sidecar).encode("utf-8"))
            if previous is not None:
                with suppress(FileNotFoundError):
                    (folder / previous["data"]).unlink()
            return _info(container, sidecar)

    def _sidecar(self, container: str, name: str) -> dict[str, Any] | None:
        _, sidecar_path = self._paths(container, name)
        return _load(sidecar_path)

    def _get(self, container: str, name: str, offset: int, length: int | None) -> bytes:
        folder, sidecar_path = self._paths(container, name)
        for _ in range(_READ_RETRIES):
            sidecar = _load(sidecar_path)
            if sidecar is None:
                raise NotFound("blob not found")
            try:
                with (folder / sidecar["data"]).open("rb") as handle:
                    handle.seek(offset)
                    return handle.read() if length is None else handle.read(length)
            except FileNotFoundError:
                continue  # overwritten between the two reads: look again
        raise ServiceUnavailable("blob is being rewritten too often to read")

    def _list(self, container: str, prefix: str) -> builtins.list[BlobInfo]:
        folder = self.root / container
        if not folder.is_dir():
            return []
        found = []
        for sidecar_path in folder.glob("*.json"):
            sidecar = _load(sidecar_path)
            if sidecar is not None and sidecar["name"].startswith(prefix):
                found.append(_info(container, sidecar))
        return sorted(found, key=lambda info: info.name)

    def _delete(self, container: str, name: str) -> None:
        if not (self.root / container).is_dir():
            raise NotFound("blob not found")
        with self._locked(container) as folder:
            _, sidecar_path = self._paths(container, name)
            sidecar = _load(sidecar_path)
            if sidecar is None:
                raise NotFound("blob not found")
            sidecar_path.unlink()
            with suppress(FileNotFoundError):
                (folder / sidecar["data"]).unlink()


def _load(path: Path) -> dict[str, Any] | None:
    try:
        loaded: dict[str, Any] = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    return loaded


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, then rename it over ``path``.

    The rename makes the write atomic for readers and survives process restarts; there is no
    ``fsync`` (it cost ~10 ms per blob on the hot path), so a power cut may lose the newest blobs.
    """
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        with suppress(FileNotFoundError):
            tmp.unlink()


def _info(container: str, sidecar: dict[str, Any]) -> BlobInfo:
    return BlobInfo(
        container=container,
        name=sidecar["name"],
        size=sidecar["size"],
        content_type=sidecar["content_type"],
        metadata=dict(sidecar["metadata"]),
        etag=sidecar["etag"],
        last_modified=sidecar["last_modified"],
    )
