"""The Cosmos DB document store (``azure.cosmos.aio``), with the same contract as the embedded one.

The database and each container (partition key, default TTL and indexing policy from
``containers.py``, as ``infra/`` declares them for Azure) are created on first use. ``Query`` becomes parameterised Cosmos SQL; ETags go through ``match_condition``;
vendor exceptions become our error types here and nowhere else.

Two choices keep the store correct on every Cosmos endpoint we run against:
- ``read`` is a one-partition query by id rather than a point read, because the local Cosmos
  server answers a point read of a missing item with a 500 instead of a 404. In Azure the cost is
  a couple of RU more per read of our small documents.
- Queries on TTL containers also filter out items whose ``_ts + ttl`` has passed. Azure hides them
  already (so the filter is a no-op there); the local server does not implement TTL.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

import aiohttp
from azure.core import MatchConditions
from azure.core.async_paging import AsyncPageIterator
from azure.core.exceptions import AzureError, ServiceRequestError, ServiceResponseError
from azure.cosmos import PartitionKey, exceptions
from azure.cosmos.aio import ContainerProxy, CosmosClient, DatabaseProxy

from reddytalk.errors import (
    ConfigurationError,
    Conflict,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    ReddyTalkError,
    ServiceUnavailable,
    ValidationFailed,
)
from reddytalk.stores.containers import Container, cosmos_indexing_policy
from reddytalk.stores.documents import rules
from reddytalk.stores.documents.base import AnyOf, Document, Page, PatchOp, Prefix, Query, Range

T = TypeVar("T")

MAX_CROSS_PARTITION_OFFSET = 5000
_COSMOS_SYSTEM_FIELDS = ("_rid", "_self", "_attachments", "_lsn")


class CosmosDocumentStore:
    """``DocumentStore`` on Azure Cosmos DB (NoSQL API)."""

    def __init__(
        self,
        endpoint: str,
        key: str,
        database: str,
        *,
        verify_tls: bool = True,
        timeout_seconds: float = 10.0,
        retries: int = 3,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._endpoint = endpoint
        self._key = key
        self._database_name = database
        self._verify_tls = verify_tls
        self._timeout = timeout_seconds
        self._retries = retries
        self._clock = clock
        self._client: CosmosClient | None = None
        self._database: DatabaseProxy | None = None
        self._containers: dict[str, ContainerProxy] = {}
        self._setup_lock: asyncio.Lock | None = None

    # -- writes --------------------------------------------------------------------------------

    async def create(self, container: str, doc: Document) -> Document:
        box = rules.known_container(container)
        rules.check_document(box, doc)
        rules.to_json(doc)
        proxy = await self._container(box)
        return _clean(await self._call(proxy.create_item(rules.without_system_fields(doc)), container))

    async def replace(self, container: str, doc: Document, *, etag: str | None = None) -> Document:
        box = rules.known_container(container)
        doc_id, _ = rules.check_document(box, doc)
        rules.to_json(doc)
        proxy = await self._container(box)
        body = rules.without_system_fields(doc)
        return _clean(await self._call(proxy.replace_item(doc_id, body, **_if_match(etag)), container))

    async def upsert(self, container: str, doc: Document, *, etag: str | None = None) -> Document:
        box = rules.known_container(container)
        rules.check_document(box, doc)
        rules.to_json(doc)
        proxy = await self._container(box)
        body = rules.without_system_fields(doc)
        return _clean(await self._call(proxy.upsert_item(body, **_if_match(etag)), container))

    async def patch(
        self, container: str, id: str, partition_key: str, ops: list[PatchOp], *, etag: str | None = None
    ) -> Document:
        box = rules.known_container(container)
        rules.check_id(id)
        rules.check_id(partition_key, "partition key")
        rules.check_patch(box, ops)
        operations = [
            {"op": op.op, "path": op.path}
            if op.op == "remove"
            else {"op": op.op, "path": op.path, "value": op.value}
            for op in ops
        ]
        proxy = await self._container(box)
        call = proxy.patch_item(id, partition_key, patch_operations=operations, **_if_match(etag))
        return _clean(await self._call(call, container))

    async def delete(self, container: str, id: str, partition_key: str, *, etag: str | None = None) -> None:
        box = rules.known_container(container)
        rules.check_id(id)
        rules.check_id(partition_key, "partition key")
        proxy = await self._container(box)
        await self._call(proxy.delete_item(id, partition_key, **_if_match(etag)), container)

    # -- reads ---------------------------------------------------------------------------------

    async def read(self, container: str, id: str, partition_key: str) -> Document:
        rules.check_id(id)
        rules.check_id(partition_key, "partition key")
        page = await self.query(container, Query(where={"id": id}, partition_key=partition_key, limit=1))
        if not page.items:
            raise NotFound(f"{container} document not found")
        return page.items[0]

    async def query(self, container: str, query: Query) -> Page:
        box = rules.known_container(container)
        rules.check_query(query)
        where, parameters = self._where(box, query)
        sql = f"SELECT * FROM c WHERE {where}"
        if query.order_by is not None:
            sql += f" ORDER BY {_field(query.order_by)} {'DESC' if query.descending else 'ASC'}"
        proxy = await self._container(box)
        options: dict[str, Any] = {"parameters": parameters}
        if query.partition_key is not None:
            options["partition_key"] = query.partition_key
        if query.limit is not None:
            options["max_item_count"] = query.limit

        async def run() -> Page:
            if query.limit is None:
                items = [_clean(item) async for item in proxy.query_items(sql, **options)]
                return Page(items)
            if query.partition_key is None and query.order_by is not None:
                return await offset_page(query.limit)
            pager = cast(
                AsyncPageIterator[Any], proxy.query_items(sql, **options).by_page(query.continuation)
            )
            items = []
            async for page in pager:
                items = [_clean(item) async for item in page]
                break
            return Page(items, pager.continuation_token or None)

        async def offset_page(limit: int) -> Page:
            # The Python SDK cannot resume a cross-partition ORDER BY query from a continuation token
            # (the service answers 400), so those pages read the TOP offset+limit+1 items and skip
            # the offset, with our own offset token. Deep pages cost more: pass a partition key.
            offset = rules.decode_continuation(query.continuation)
            if offset > MAX_CROSS_PARTITION_OFFSET:
                raise ValidationFailed("page too deep for a cross-partition ordered query; narrow it")
            top = sql.replace("SELECT * FROM c", f"SELECT TOP {offset + limit + 1} * FROM c", 1)
            found = [_clean(item) async for item in proxy.query_items(top, parameters=parameters)]
            more = len(found) > offset + limit
            items = found[offset : offset + limit]
            return Page(items, rules.encode_continuation(offset + limit) if more else None)

        return await self._call(run(), container)

    async def count(self, container: str, query: Query) -> int:
        box = rules.known_container(container)
        rules.check_query(query)
        where, parameters = self._where(box, query)
        proxy = await self._container(box)
        options: dict[str, Any] = {"parameters": parameters}
        if query.partition_key is not None:
            options["partition_key"] = query.partition_key

        async def run() -> int:
            sql = f"SELECT VALUE COUNT(1) FROM c WHERE {where}"
            partials: list[Any] = [n async for n in proxy.query_items(sql, **options)]
            return sum(int(n) for n in partials)

        return await self._call(run(), container)

    async def close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            self._database = None
            self._containers.clear()
            await client.close()
            # aiohttp closes TLS transports a moment after the session (its documented graceful
            # shutdown); without this pause they can outlive the event loop and leak.
            await asyncio.sleep(0.1)

    # -- internals -----------------------------------------------------------------------------

    def _where(self, box: Container, query: Query) -> tuple[str, list[dict[str, Any]]]:
        builder = _SqlBuilder()
        clauses = ["true"]
        if query.partition_key is not None:
            clauses.append(f"{_field(box.partition_key)} = {builder.param(query.partition_key)}")
        for path, flt in query.where.items():
            clauses.append(builder.filter(_field(path), flt))
        if box.default_ttl is not None:
            clauses.append(builder.not_expired(box.default_ttl, int(self._clock())))
        return " AND ".join(clauses), builder.parameters

    async def _container(self, box: Container) -> ContainerProxy:
        proxy = self._containers.get(box.name)
        if proxy is not None:
            return proxy
        if self._setup_lock is None:
            self._setup_lock = asyncio.Lock()
        async with self._setup_lock:
            if box.name not in self._containers:
                self._containers[box.name] = await self._call(self._create_container(box), box.name)
        return self._containers[box.name]

    async def _create_container(self, box: Container) -> ContainerProxy:
        if self._client is None:
            self._client = CosmosClient(
                self._endpoint,
                credential=self._key,
                connection_verify=self._verify_tls,
                connection_timeout=self._timeout,
                read_timeout=self._timeout,
                retry_total=self._retries,
                retry_connect=self._retries,
                retry_read=self._retries,
                retry_backoff_max=2,
            )
        if self._database is None:
            self._database = await self._client.create_database_if_not_exists(self._database_name)
        return await self._database.create_container_if_not_exists(
            box.name,
            partition_key=PartitionKey(path=box.partition_path),
            default_ttl=box.default_ttl,
            indexing_policy=cosmos_indexing_policy(box),
        )

    async def _call(self, operation: Awaitable[T], container: str) -> T:
        """Await a Cosmos operation, translating its failures into our error types."""
        try:
            return await operation
        except ReddyTalkError:
            raise
        except exceptions.CosmosResourceNotFoundError:
            raise NotFound(f"{container} document not found") from None
        except exceptions.CosmosAccessConditionFailedError:
            raise PreconditionFailed("the document changed since it was read (stale ETag)") from None
        except exceptions.CosmosResourceExistsError:
            raise Conflict(f"a {container} document with this id already exists") from None
        except exceptions.CosmosHttpResponseError as exc:
            raise _from_status(exc.status_code, container) from None
        except (ServiceRequestError, ServiceResponseError, aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise ServiceUnavailable(f"Cosmos DB is unreachable ({type(exc).__name__})") from None
        except AzureError as exc:
            raise ServiceUnavailable(f"Cosmos DB request failed ({type(exc).__name__})") from None


def _from_status(status: int | None, container: str) -> ReddyTalkError:
    if status == 404:
        return NotFound(f"{container} document not found")
    if status == 409:
        return Conflict(f"a {container} document with this id already exists")
    if status == 412:
        return PreconditionFailed("the document changed since it was read (stale ETag)")
    if status == 413:
        return PayloadTooLarge("document is larger than Cosmos DB allows")
    if status == 400:
        return ValidationFailed("Cosmos DB refused the request as invalid")
    if status in (401, 403):
        return ConfigurationError("Cosmos DB refused the credentials (check DOCUMENTS_CONNECTION)")
    return ServiceUnavailable(f"Cosmos DB is unavailable (HTTP {status})")


def _if_match(etag: str | None) -> dict[str, Any]:
    return {} if etag is None else {"etag": etag, "match_condition": MatchConditions.IfNotModified}


def _clean(item: dict[str, Any]) -> Document:
    return {k: v for k, v in item.items() if k not in _COSMOS_SYSTEM_FIELDS}


def _field(path: str) -> str:
    """``a.b`` as ``c["a"]["b"]`` (parts are validated identifiers, so quoting is safe)."""
    return "c" + "".join(f'["{part}"]' for part in rules.check_field(path))


class _SqlBuilder:
    """Collects ``@pN`` parameters while filters are turned into Cosmos SQL."""

    def __init__(self) -> None:
        self.parameters: list[dict[str, Any]] = []

    def param(self, value: Any) -> str:
        name = f"@p{len(self.parameters)}"
        self.parameters.append({"name": name, "value": value})
        return name

    def filter(self, ref: str, flt: Any) -> str:
        if isinstance(flt, Prefix):
            return f"STARTSWITH({ref}, {self.param(flt.value)})"
        if isinstance(flt, Range):
            parts = []
            if flt.gte is not None:
                parts.append(f"{ref} >= {self.param(flt.gte)}")
            if flt.lt is not None:
                parts.append(f"{ref} < {self.param(flt.lt)}")
            return "(" + " AND ".join(parts) + ")"
        if isinstance(flt, AnyOf):
            if not flt.values:
                return "false"
            return "(" + " OR ".join(f"{ref} = {self.param(v)}" for v in flt.values) + ")"
        if flt is None:
            return f"IS_NULL({ref})"
        return f"{ref} = {self.param(flt)}"

    def not_expired(self, default_ttl: int, now: int) -> str:
        """Items still alive under Cosmos TTL rules (item ``ttl`` overrides the container default)."""
        now_p = self.param(now)
        item_expired = f"(IS_NUMBER(c.ttl) AND c.ttl > 0 AND c._ts + c.ttl <= {now_p})"
        if default_ttl <= 0:
            return f"NOT {item_expired}"
        default_expired = f"(NOT IS_NUMBER(c.ttl) AND c._ts + {self.param(default_ttl)} <= {now_p})"
        return f"NOT ({item_expired} OR {default_expired})"
