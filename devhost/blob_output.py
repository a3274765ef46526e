"""The ``blob`` output binding: what a function sets goes to a blob in an Azure Storage account.

Like the Functions extension: ``path`` is ``container/name`` with binding expressions (``{rand-guid}``,
``{DateTime}``, ``{sys.randguid}``, ``{sys.utcnow}``), the container is created when missing, the blob is
overwritten, ``str`` is written as UTF-8. The connection names an app setting holding a storage connection
string (Azurite locally). The embedded ``UseEmbeddedStorage=true`` store has no blob endpoint, so a binding
that points at it is refused when the host starts.
"""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from azure.core.exceptions import ResourceExistsError
from azure.storage.blob.aio import BlobServiceClient

from localqueue import connection_path

DEFAULT_CONNECTION = "AzureWebJobsStorage"
_EXPRESSION = re.compile(r"\{([^{}]+)\}")


class BlobOutputError(RuntimeError):
    """The blob binding is misconfigured or its value cannot be written."""


def connection_problem(binding: dict[str, Any], connection: str | None) -> str | None:
    """Why this binding cannot work with the connection string it names (checked at start)."""
    setting = str(binding.get("connection") or DEFAULT_CONNECTION)
    if not connection:
        return f"app setting {setting!r} named by the blob output binding is not set"
    if connection_path(connection) is not None:
        return f"blob output needs an Azure Storage connection (Azurite locally); {setting!r} is embedded storage"
    if "/" not in str(binding.get("path", "")).strip("/"):
        return "blob output path must be 'container/blob name'"
    return None


def blob_path(template: str) -> tuple[str, str]:
    """``container/name`` with the binding expressions the host can fill without trigger data."""
    now = datetime.now(UTC)

    def value(match: re.Match[str]) -> str:
        expression = match.group(1).strip().lower()
        if expression in ("rand-guid", "sys.randguid"):
            return str(uuid.uuid4())
        if expression == "datetime":
            return now.strftime("%Y-%m-%dT%H-%M-%SZ")
        if expression == "sys.utcnow":
            return now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        raise BlobOutputError(
            f"blob output path {template!r}: the local host cannot fill {{{match.group(1)}}}"
        )

    container, _, name = _EXPRESSION.sub(value, template).strip("/").partition("/")
    return container, name


def blob_bytes(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    if hasattr(value, "read"):  # an InputStream handed on
        data = value.read()
        return data if isinstance(data, bytes) else str(data).encode("utf-8")
    return json.dumps(value).encode("utf-8")


class BlobWriter:
    """One ``BlobServiceClient`` per connection string, closed with the host."""

    def __init__(self) -> None:
        self._clients: dict[str, BlobServiceClient] = {}
        self._containers: set[tuple[str, str]] = set()

    async def write(self, connection: str, path_template: str, value: Any) -> None:
        container, name = blob_path(path_template)
        client = self._clients.get(connection)
        if client is None:
            client = self._clients[connection] = BlobServiceClient.from_connection_string(connection)
        if (connection, container) not in self._containers:
            with contextlib.suppress(ResourceExistsError):
                await client.create_container(container)
            self._containers.add((connection, container))
        await client.get_blob_client(container, name).upload_blob(blob_bytes(value), overwrite=True)

    async def close(self) -> None:
        for client in self._clients.values():
            await client.close()
        self._clients.clear()
