"""Connection strings for the stores: which implementation a setting names, parsed in one place.

``UseEmbeddedStorage=true;Path=...`` is the embedded store (relative paths resolve against the
working directory), ``AccountEndpoint=...;AccountKey=...`` is Cosmos DB, and
``DefaultEndpointsProtocol=...`` / ``UseDevelopmentStorage=true`` / ``BlobEndpoint=`` /
``QueueEndpoint=`` is Azure Storage. Errors never echo the string: it carries account keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reddytalk.errors import ConfigurationError

EMBEDDED_HINT = "UseEmbeddedStorage=true;Path=<file or folder>"
COSMOS_HINT = "AccountEndpoint=https://<account>.documents.azure.com:443/;AccountKey=<key>;"
STORAGE_HINT = (
    "DefaultEndpointsProtocol=https;AccountName=<name>;AccountKey=<key>;EndpointSuffix=core.windows.net"
)


@dataclass(frozen=True)
class Embedded:
    path: Path


@dataclass(frozen=True)
class Cosmos:
    endpoint: str
    key: str = field(repr=False)
    verify_tls: bool = True  # ``DisableServerCertificateValidation=True`` (emulators) turns it off


@dataclass(frozen=True)
class AzureStorage:
    connection_string: str = field(repr=False)


def parse(raw: str) -> dict[str, str]:
    """``Key=Value;...`` pairs, keys lower-cased; values keep their ``=`` padding (base64 keys)."""
    pairs: dict[str, str] = {}
    for piece in raw.split(";"):
        key, sep, value = piece.partition("=")
        if sep and key.strip():
            pairs[key.strip().lower()] = value.strip()
    return pairs


def _embedded(pairs: dict[str, str], setting: str) -> Embedded | None:
    if pairs.get("useembeddedstorage", "").lower() != "true":
        return None
    if not pairs.get("path"):
        raise ConfigurationError(f"{setting}: embedded storage needs a Path ({EMBEDDED_HINT})")
    path = Path(pairs["path"]).expanduser()
    return Embedded(path if path.is_absolute() else Path.cwd() / path)


def documents_target(raw: str, setting: str = "DOCUMENTS_CONNECTION") -> Embedded | Cosmos:
    """The document store a connection string names; ``ConfigurationError`` if it names none."""
    pairs = parse(raw)
    embedded = _embedded(pairs, setting)
    if embedded is not None:
        return embedded
    endpoint, key = pairs.get("accountendpoint", ""), pairs.get("accountkey", "")
    if endpoint and key:
        if not endpoint.startswith(("https://", "http://")):
            raise ConfigurationError(f"{setting}: AccountEndpoint must be an http(s) URL")
        verify = pairs.get("disableservercertificatevalidation", "false").lower() != "true"
        return Cosmos(endpoint=endpoint, key=key, verify_tls=verify)
    raise ConfigurationError(
        f"{setting} is not a document store connection string: expected {EMBEDDED_HINT} "
        f"or a Cosmos DB string ({COSMOS_HINT})"
    )


def storage_target(raw: str, setting: str) -> Embedded | AzureStorage:
    """The blob or queue store a connection string names; ``ConfigurationError`` if it names none."""
    pairs = parse(raw)
    embedded = _embedded(pairs, setting)
    if embedded is not None:
        return embedded
    if pairs.get("usedevelopmentstorage", "").lower() == "true":
        return AzureStorage(raw)
    has_account = pairs.get("accountname") and (pairs.get("accountkey") or pairs.get("sharedaccesssignature"))
    has_endpoint = any(k in pairs for k in ("blobendpoint", "queueendpoint"))
    if "defaultendpointsprotocol" in pairs and has_account:
        return AzureStorage(raw)
    if has_endpoint and (has_account or pairs.get("sharedaccesssignature")):
        return AzureStorage(raw)
    raise ConfigurationError(
        f"{setting} is not a storage connection string: expected {EMBEDDED_HINT}, "
        f"UseDevelopmentStorage=true or an Azure Storage string ({STORAGE_HINT})"
    )
