"""The document store contract: JSON documents in named containers, with ETags and TTL.

Every document has a string ``id`` and its container's partition key field. Stores add ``_etag``
(opaque, changes on every write) and ``_ts`` (epoch seconds of the last write). A document with a
``ttl`` field (seconds) expires that long after its last write, where the container allows TTL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Document = dict[str, Any]


@dataclass(frozen=True)
class Prefix:
    """Filter: string field starts with ``value`` (case-sensitive; store lower-cased copies to search)."""

    value: str


@dataclass(frozen=True)
class Range:
    """Filter: ``gte <= field < lt`` (either bound optional); compares strings or numbers."""

    gte: Any = None
    lt: Any = None


@dataclass(frozen=True)
class AnyOf:
    """Filter: field equals one of ``values``."""

    values: tuple[Any, ...]


Filter = Any  # a plain value (equality), Prefix, Range or AnyOf


@dataclass(frozen=True)
class PatchOp:
    """One Cosmos-style patch operation on a top-level or nested ("/a/b") path."""

    op: Literal["set", "add", "remove", "incr", "replace"]
    path: str
    value: Any = None


@dataclass
class Page:
    items: list[Document]
    continuation: str | None = None


@dataclass(frozen=True)
class Query:
    """A query the store can run: AND of equality/prefix/range filters on (dotted) field paths."""

    where: dict[str, Filter] = field(default_factory=dict)
    partition_key: str | None = None
    order_by: str | None = None
    descending: bool = False
    limit: int | None = None
    continuation: str | None = None


class DocumentStore(Protocol):
    """Implemented by ``EmbeddedDocumentStore`` (SQLite) and ``CosmosDocumentStore``."""

    async def create(self, container: str, doc: Document) -> Document:
        """Insert; raises ``Conflict`` if the id exists in that partition."""
        ...

    async def read(self, container: str, id: str, partition_key: str) -> Document:
        """Raises ``NotFound``."""
        ...

    async def replace(self, container: str, doc: Document, *, etag: str | None = None) -> Document:
        """Replace an existing document; with ``etag``, raises ``PreconditionFailed`` when stale."""
        ...

    async def upsert(self, container: str, doc: Document, *, etag: str | None = None) -> Document: ...

    async def patch(
        self, container: str, id: str, partition_key: str, ops: list[PatchOp], *, etag: str | None = None
    ) -> Document: ...

    async def delete(self, container: str, id: str, partition_key: str, *, etag: str | None = None) -> None:
        """Raises ``NotFound`` when absent."""
        ...

    async def query(self, container: str, query: Query) -> Page: ...

    async def count(self, container: str, query: Query) -> int: ...

    async def close(self) -> None: ...
