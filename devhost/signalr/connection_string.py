"""Parse an Azure SignalR connection string the way the official SDK does.

Parts split on ``;``, each on its first ``=`` (base64 padding in keys survives), keys case-insensitive,
duplicates rejected; ``Port`` overrides the endpoint's port. The access key is used as written: its
UTF-8 bytes are the HMAC key, never base64-decoded.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class ConnectionStringError(ValueError):
    """The SignalR connection string is malformed."""


@dataclass(frozen=True)
class SignalRConnectionString:
    endpoint: str  # scheme://host[:port], port override applied, no trailing slash
    access_key: str
    client_endpoint: str
    server_endpoint: str

    @property
    def host(self) -> str:
        return urlsplit(self.endpoint).hostname or ""

    @property
    def port(self) -> int:
        parts = urlsplit(self.endpoint)
        return parts.port or (443 if parts.scheme == "https" else 80)

    @property
    def is_loopback(self) -> bool:
        return self.host in LOOPBACK_HOSTS

    @classmethod
    def parse(cls, text: str) -> SignalRConnectionString:
        parts: dict[str, str] = {}
        for piece in text.split(";"):
            if not piece.strip():
                continue
            key, sep, value = piece.partition("=")
            if not sep:
                raise ConnectionStringError("connection string part without '='")
            key = key.strip().lower()
            if key in parts:
                raise ConnectionStringError(f"duplicate key {key!r} in connection string")
            parts[key] = value.strip()
        if len(parts) < 2:
            raise ConnectionStringError("connection string needs Endpoint and AccessKey")
        endpoint = parts.get("endpoint", "").rstrip("/")
        split = urlsplit(endpoint)
        if split.scheme not in ("http", "https") or not split.hostname:
            raise ConnectionStringError("Endpoint must be an absolute http(s) URL")
        version = parts.get("version")
        if version is not None and not version.startswith("1."):
            raise ConnectionStringError(f"unsupported Version {version!r}")
        key = parts.get("accesskey", "")
        if not key:
            raise ConnectionStringError("AccessKey is required (Entra ID auth is not supported locally)")
        if "port" in parts:
            try:
                port = int(parts["port"])
            except ValueError:
                raise ConnectionStringError("Port must be a number") from None
            if not 1 <= port <= 65535:
                raise ConnectionStringError("Port must be 1..65535")
            endpoint = f"{split.scheme}://{_bracket(split.hostname)}:{port}"
        return cls(
            endpoint=endpoint,
            access_key=key,
            client_endpoint=parts.get("clientendpoint", "").rstrip("/") or endpoint,
            server_endpoint=parts.get("serverendpoint", "").rstrip("/") or endpoint,
        )


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def build_connection_string(host: str, port: int, access_key: str) -> str:
    """The connection string an app uses to reach a stand-in on ``host:port``."""
    return f"Endpoint=http://{_bracket(host)};Port={port};AccessKey={access_key};Version=1.0;"
