"""Who is connected, which users and groups they belong to, and delivery of pushes to them.

Semantics follow the service: user-to-group membership persists (optionally with a TTL) and applies
to the user's current and future connections; connection-to-group membership dies with the
connection; a group exists while it has connections. Hub names are case-insensitive, user ids,
groups and connection ids are case-sensitive.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

PENDING_SECONDS = 120.0  # a negotiated connection must connect within this time


@dataclass(eq=False)
class ClientConnection:
    hub: str
    connection_id: str
    connection_token: str
    user_id: str | None
    created: float = field(default_factory=time.monotonic)
    connected: bool = False
    outbox: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)

    def push(self, frame: str) -> None:
        self.outbox.put_nowait(frame)

    def close(self, close_frame: str) -> None:
        """Queue a Close message and then the end of the stream."""
        self.outbox.put_nowait(close_frame)
        self.outbox.put_nowait(None)


class HubState:
    """All hubs of one service instance (single event loop, so no locking)."""

    def __init__(self) -> None:
        self._by_id: dict[str, ClientConnection] = {}
        self._pending_by_token: dict[str, ClientConnection] = {}
        self._user_groups: dict[tuple[str, str], dict[str, float | None]] = {}
        self._connection_groups: dict[tuple[str, str], set[str]] = {}

    # -- connections -----------------------------------------------------------------------------

    def negotiate(self, hub: str, user_id: str | None) -> ClientConnection:
        """Reserve a connection for a client that will connect with ``id=<connection token>``."""
        self._drop_stale_pending()
        conn = ClientConnection(hub.lower(), _new_id(), _new_id(), user_id)
        self._pending_by_token[conn.connection_token] = conn
        self._by_id[conn.connection_id] = conn
        return conn

    def claim(self, hub: str, token_or_id: str) -> ClientConnection | None:
        """The reserved connection for ``id=`` (a token, or the connection id for negotiateVersion 0)."""
        conn = self._pending_by_token.get(token_or_id)
        if conn is None:
            candidate = self._by_id.get(token_or_id)
            if candidate is not None and candidate.connection_token in self._pending_by_token:
                conn = candidate
        if conn is None or conn.hub != hub.lower():
            return None
        del self._pending_by_token[conn.connection_token]
        conn.connected = True
        return conn

    def is_known(self, token_or_id: str) -> bool:
        return token_or_id in self._pending_by_token or token_or_id in self._by_id

    def open_direct(self, hub: str, user_id: str | None) -> ClientConnection:
        """A client that skipped the service negotiate (pysignalr, signalrcore, skipNegotiation)."""
        conn = ClientConnection(hub.lower(), _new_id(), _new_id(), user_id, connected=True)
        self._by_id[conn.connection_id] = conn
        return conn

    def disconnect(self, conn: ClientConnection) -> None:
        self._by_id.pop(conn.connection_id, None)
        self._pending_by_token.pop(conn.connection_token, None)
        for members in self._connection_groups.values():
            members.discard(conn.connection_id)

    def connection(self, hub: str, connection_id: str) -> ClientConnection | None:
        conn = self._by_id.get(connection_id)
        return conn if conn is not None and conn.connected and conn.hub == hub.lower() else None

    def connections(self, hub: str) -> list[ClientConnection]:
        hub = hub.lower()
        return [c for c in self._by_id.values() if c.connected and c.hub == hub]

    # -- users and groups ------------------------------------------------------------------------

    def user_connections(self, hub: str, user_id: str) -> list[ClientConnection]:
        return [c for c in self.connections(hub) if c.user_id == user_id]

    def group_connections(self, hub: str, group: str) -> list[ClientConnection]:
        hub = hub.lower()
        users = self._live_users(hub, group)
        ids = self._connection_groups.get((hub, group), set())
        return [c for c in self.connections(hub) if c.connection_id in ids or c.user_id in users]

    def add_user_to_group(self, hub: str, group: str, user_id: str, ttl: float | None = None) -> None:
        expiry = None if ttl is None else time.monotonic() + ttl
        self._user_groups.setdefault((hub.lower(), group), {})[user_id] = expiry

    def remove_user_from_group(self, hub: str, group: str, user_id: str) -> bool:
        return self._user_groups.get((hub.lower(), group), {}).pop(user_id, "absent") != "absent"

    def remove_user_from_all_groups(self, hub: str, user_id: str) -> None:
        hub = hub.lower()
        for (h, _), users in self._user_groups.items():
            if h == hub:
                users.pop(user_id, None)

    def user_in_group(self, hub: str, group: str, user_id: str) -> bool:
        return user_id in self._live_users(hub.lower(), group)

    def add_connection_to_group(self, hub: str, group: str, connection_id: str) -> bool:
        if self.connection(hub, connection_id) is None:
            return False
        self._connection_groups.setdefault((hub.lower(), group), set()).add(connection_id)
        return True

    def remove_connection_from_group(self, hub: str, group: str, connection_id: str) -> bool:
        if self.connection(hub, connection_id) is None:
            return False
        self._connection_groups.get((hub.lower(), group), set()).discard(connection_id)
        return True

    def remove_connection_from_all_groups(self, hub: str, connection_id: str) -> None:
        hub = hub.lower()
        for (h, _), members in self._connection_groups.items():
            if h == hub:
                members.discard(connection_id)

    def _live_users(self, hub: str, group: str) -> set[str]:
        users = self._user_groups.get((hub, group), {})
        now = time.monotonic()
        for user, expiry in list(users.items()):
            if expiry is not None and expiry <= now:
                del users[user]
        return set(users)

    def _drop_stale_pending(self) -> None:
        limit = time.monotonic() - PENDING_SECONDS
        for token, conn in list(self._pending_by_token.items()):
            if conn.created < limit:
                del self._pending_by_token[token]
                self._by_id.pop(conn.connection_id, None)


def deliver(connections: Iterable[ClientConnection], frame: str, excluded: Iterable[str] = ()) -> int:
    """Queue ``frame`` for every connection not excluded; returns how many got it."""
    skip = set(excluded)
    count = 0
    for conn in connections:
        if conn.connection_id not in skip:
            conn.push(frame)
            count += 1
    return count


def _new_id() -> str:
    return secrets.token_urlsafe(16)
