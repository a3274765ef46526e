"""The Azure Storage blob store (``azure.storage.blob.aio``), with the same contract as the embedded one.

Containers are created on first write. SDK exceptions become our error types here; connection
failures become ``ServiceUnavailable`` after the SDK's (configurable, short) retries.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from contextlib import suppress
from typing import Any, TypeVar

from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.storage.blob import BlobProperties, ContentSettings
from azure.storage.blob.aio import BlobServiceClient

from reddytalk.errors import (
    ConfigurationError,
    Conflict,
    NotFound,
    PreconditionFailed,
    ReddyTalkError,
    ServiceUnavailable,
    ValidationFailed,
)
from reddytalk.stores.blobs.base import BlobInfo
from reddytalk.stores.blobs.names import check_blob_name, check_container, check_metadata, check_range

T = TypeVar("T")


class AzureBlobStore:
    """``BlobStore`` on Azure Blob Storage (or Azurite)."""

    def __init__(self, connection_string: str, *, timeout_seconds: float = 20.0, retries: int = 3) -> None:
        self._connection_string = connection_string
        self._timeout = timeout_seconds
        self._retries = retries
        self._service: BlobServiceClient | None = None
        self._ready: set[str] = set()

    def _client(self) -> BlobServiceClient:
        if self._service is None:
            try:
                self._service = BlobServiceClient.from_connection_string(
                    self._connection_string,
                    retry_total=self._retries,
                    retry_connect=self._retries,
                    retry_read=self._retries,
                    retry_backoff_factor=0.2,
                    retry_backoff_max=2,
                    connection_timeout=self._timeout,
                    read_timeout=self._timeout,
                )
            except ValueError:
                raise ConfigurationError(
                    "BLOBS_CONNECTION is not a valid Azure Storage connection string"
                ) from None
        return self._service

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
        await self._ensure_container(container)
        blob = self._client().get_blob_client(container, name)
        result = await _call(
            blob.upload_blob(
                bytes(data),
                overwrite=overwrite,
                content_settings=ContentSettings(content_type=content_type),
                metadata=meta,
            )
        )
        modified = result.get("last_modified")
        return BlobInfo(
            container=container,
            name=name,
            size=len(data),
            content_type=content_type,
            metadata=meta,
            etag=str(result.get("etag", "")),
            last_modified=modified.timestamp() if modified else 0.0,
        )

    async def get(self, container: str, name: str, *, offset: int = 0, length: int | None = None) -> bytes:
        check_container(container)
        check_blob_name(name)
        check_range(offset, length)
        blob = self._client().get_blob_client(container, name)

        async def download() -> bytes:
            start = offset if offset or length is not None else None  # None: whole blob, even when empty
            stream = await blob.download_blob(offset=start, length=length)
            return await stream.readall()

        try:
            return await _call(download())
        except RangeNotSatisfiable:
            return b""  # a range that starts at or past the end reads nothing, as a file would

    async def info(self, container: str, name: str) -> BlobInfo:
        check_container(container)
        check_blob_name(name)
        blob = self._client().get_blob_client(container, name)
        return _info(container, await _call(blob.get_blob_properties()))

    async def exists(self, container: str, name: str) -> bool:
        check_container(container)
        check_blob_name(name)
        return bool(await _call(self._client().get_blob_client(container, name).exists()))

    async def list(self, container: str, prefix: str = "") -> list[BlobInfo]:
        check_container(container)
        if not isinstance(prefix, str):
            raise ValidationFailed("prefix must be a string")
        client = self._client().get_container_client(container)

        async def collect() -> list[BlobInfo]:
            found = []
            async for props in client.list_blobs(name_starts_with=prefix or None, include=["metadata"]):
                found.append(_info(container, props))
            return found

        try:
            return await _call(collect())
        except NotFound:
            return []  # the container does not exist yet: no blobs

    async def delete(self, container: str, name: str) -> None:
        check_container(container)
        check_blob_name(name)
        await _call(self._client().get_blob_client(container, name).delete_blob())

    async def close(self) -> None:
        if self._service is not None:
            service, self._service = self._service, None
            self._ready.clear()
            await service.close()
            await asyncio.sleep(0)  # let aiohttp finish closing its transports on this loop

    async def _ensure_container(self, container: str) -> None:
        if container in self._ready:
            return
        with suppress(Conflict):  # already there
            await _call(self._client().create_container(container))
        self._ready.add(container)


async def _call(operation: Awaitable[T]) -> T:
    """Await an SDK operation, translating its failures into our error types."""
    try:
        return await operation
    except ReddyTalkError:
        raise
    except ResourceNotFoundError:
        raise NotFound("blob not found") from None
    except ResourceExistsError:
        raise Conflict("a blob with this name already exists") from None
    except ClientAuthenticationError:
        raise ConfigurationError("Azure Storage refused the credentials (check BLOBS_CONNECTION)") from None
    except (ServiceRequestError, ServiceResponseError) as exc:
        raise ServiceUnavailable(f"Azure Blob Storage is unreachable ({type(exc).__name__})") from None
    except HttpResponseError as exc:
        raise _from_status(exc.status_code) from None
    except AzureError as exc:
        raise ServiceUnavailable(f"Azure Blob Storage request failed ({type(exc).__name__})") from None


class RangeNotSatisfiable(ValidationFailed):
    """HTTP 416: the requested range starts past the end of the blob."""


def _from_status(status: int | None) -> ReddyTalkError:
    if status == 416:
        return RangeNotSatisfiable("the requested range starts past the end of the blob")
    if status == 412:
        return PreconditionFailed("the blob changed (stale ETag)")
    if status == 400:
        return ValidationFailed("Azure Blob Storage refused the request as invalid")
    if status in (401, 403):
        return ConfigurationError("Azure Storage refused the credentials (check BLOBS_CONNECTION)")
    return ServiceUnavailable(f"Azure Blob Storage is unavailable (HTTP {status})")


def _info(container: str, props: BlobProperties | Any) -> BlobInfo:
    settings = props.content_settings
    return BlobInfo(
        container=container,
        name=props.name,
        size=int(props.size),
        content_type=(settings.content_type if settings else None) or "application/octet-stream",
        metadata=dict(props.metadata or {}),
        etag=str(props.etag or ""),
        last_modified=props.last_modified.timestamp() if props.last_modified else 0.0,
    )
