"""The blob store contract: named byte objects in containers, with content type and metadata."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class BlobInfo:
    container: str
    name: str
    size: int
    content_type: str
    metadata: dict[str, str] = field(default_factory=dict)
    etag: str = ""
    last_modified: float = 0.0  # epoch seconds


class BlobStore(Protocol):
    """Implemented by ``EmbeddedBlobStore`` (local folder) and ``AzureBlobStore``."""

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
        """Write atomically (readers never see a partial blob); ``overwrite=False`` raises ``Conflict``."""
        ...

    async def get(self, container: str, name: str, *, offset: int = 0, length: int | None = None) -> bytes:
        """Whole blob or a byte range (clipped at the end; empty if it starts there); raises ``NotFound``."""
        ...

    async def info(self, container: str, name: str) -> BlobInfo: ...

    async def exists(self, container: str, name: str) -> bool: ...

    async def list(self, container: str, prefix: str = "") -> list[BlobInfo]: ...

    async def delete(self, container: str, name: str) -> None:
        """Raises ``NotFound`` when absent."""
        ...

    async def close(self) -> None: ...
