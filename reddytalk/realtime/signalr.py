"""A small Azure SignalR Service client: client tokens for negotiate, and REST sends.

Serverless mode: the app never holds connections; it signs a client token for ``negotiate`` and posts
messages to the service's REST API. The same code talks to Azure and to the local host's stand-in:
only the connection string differs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import jwt

from reddytalk.errors import ConfigurationError, ServiceUnavailable

API_VERSION = "2022-06-01"


@dataclass(frozen=True)
class SignalRConnection:
    endpoint: str
    access_key: str

    @classmethod
    def parse(cls, connection_string: str) -> SignalRConnection:
        parts: dict[str, str] = {}
        for part in connection_string.split(";"):
            if not part.strip():
                continue
            key, sep, value = part.partition("=")
            if not sep:
                raise ConfigurationError("SignalR connection string has a part without '='")
            parts[key.strip().lower()] = value.strip()
        endpoint = parts.get("endpoint", "").rstrip("/")
        key = parts.get("accesskey", "")
        if not endpoint.startswith(("http://", "https://")) or not key:
            raise ConfigurationError(
                "SignalR connection string needs Endpoint=http(s)://... and AccessKey=..."
            )
        if "port" in parts:
            scheme, _, rest = endpoint.partition("://")
            host = rest.split("/")[0].split(":")[0]
            endpoint = f"{scheme}://{host}:{int(parts['port'])}"
        return cls(endpoint=endpoint, access_key=key)


class SignalRClient:
    """Sends hub messages to users and groups; one instance per process (it pools HTTP connections)."""

    def __init__(self, connection_string: str, hub: str, *, timeout: float = 5.0) -> None:
        self.connection = SignalRConnection.parse(connection_string)
        self.hub = hub.lower()
        self._http = httpx.AsyncClient(timeout=timeout)

    def client_url(self) -> str:
        return f"{self.connection.endpoint}/client/?hub={self.hub}"

    def negotiate(self, user_id: str, *, lifetime_seconds: int = 3600) -> dict[str, Any]:
        """Connection info for a client: the service URL and an access token for ``user_id``."""
        now = int(time.time())
        url = self.client_url()
        claims = {"aud": url, "iat": now, "nbf": now, "exp": now + lifetime_seconds, "nameid": user_id}
        token = jwt.encode(claims, self.connection.access_key, algorithm="HS256")
        return {"url": url, "accessToken": token}

    async def send_to_user(self, user_id: str, target: str, *arguments: Any) -> None:
        await self._post(f"/users/{quote(user_id, safe='')}/:send", target, arguments)

    async def send_to_group(self, group: str, target: str, *arguments: Any) -> None:
        await self._post(f"/groups/{quote(group, safe='')}/:send", target, arguments)

    async def broadcast(self, target: str, *arguments: Any) -> None:
        await self._post("/:send", target, arguments)

    async def add_user_to_group(self, user_id: str, group: str) -> None:
        path = f"/users/{quote(user_id, safe='')}/groups/{quote(group, safe='')}"
        await self._request("PUT", path, None)

    async def _post(self, tail: str, target: str, arguments: tuple[Any, ...]) -> None:
        await self._request("POST", tail, {"target": target, "arguments": list(arguments)})

    async def _request(self, method: str, tail: str, body: dict[str, Any] | None) -> None:
        url = f"{self.connection.endpoint}/api/hubs/{self.hub}{tail}"
        now = int(time.time())
        token = jwt.encode(
            {"aud": url, "iat": now, "exp": now + 300}, self.connection.access_key, algorithm="HS256"
        )
        try:
            response = await self._http.request(
                method,
                url,
                params={"api-version": API_VERSION},
                json=body,
                headers={"Authorization": f"Bearer {token}"},
            )
        except httpx.HTTPError as exc:
            raise ServiceUnavailable(f"SignalR service unreachable: {type(exc).__name__}") from None
        if response.status_code >= 400:
            raise ServiceUnavailable(f"SignalR service answered {response.status_code}")

    async def close(self) -> None:
        await self._http.aclose()
