"""This process's cache of calls' end-of-turn detectors: bounded, and never the source of truth.

An entry holds a call's detector (checked against the stored intake record before every use), the
speculative transcriptions this process started for it, and a lock so this process feeds one chunk
of a call at a time. Entries go when the call ends here, when unused for ``IDLE_SECONDS`` (the call
ended elsewhere or moved to other workers), and least recently used first beyond ``MAX_SESSIONS``,
so nothing per call outlives the call for long and memory does not grow with the number of calls.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

MAX_SESSIONS = 256
IDLE_SECONDS = 120.0

S = TypeVar("S")
T = TypeVar("T")


@dataclass
class _Entry(Generic[S, T]):
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    stream: S | None = None
    in_flight: dict[str, T] = field(default_factory=dict)
    used: float = field(default_factory=time.monotonic)


class StreamCache(Generic[S, T]):
    """Per-call entries, least recently used first out; ``on_evict`` is called for dropped speculations."""

    def __init__(
        self,
        on_evict: Callable[[T], None],
        *,
        max_sessions: int = MAX_SESSIONS,
        idle_seconds: float = IDLE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._entries: OrderedDict[str, _Entry[S, T]] = OrderedDict()
        self._on_evict = on_evict
        self._max = max_sessions
        self._idle = idle_seconds
        self._clock = clock

    def __len__(self) -> int:
        return len(self._entries)

    def _entry(self, session_id: str) -> _Entry[S, T]:
        now = self._clock()
        entry = self._entries.get(session_id)
        if entry is None:
            entry = self._entries[session_id] = _Entry(used=now)
        entry.used = now
        self._entries.move_to_end(session_id)
        self._sweep(now)
        return entry

    def _sweep(self, now: float) -> None:
        while len(self._entries) > self._max:
            self.drop(next(iter(self._entries)))
        for sid in [sid for sid, e in self._entries.items() if now - e.used > self._idle]:
            self.drop(sid)

    def lock(self, session_id: str) -> asyncio.Lock:
        return self._entry(session_id).lock

    def stream(self, session_id: str) -> S | None:
        entry = self._entries.get(session_id)
        return entry.stream if entry is not None else None

    def put_stream(self, session_id: str, stream: S) -> None:
        self._entry(session_id).stream = stream

    def drop_stream(self, session_id: str) -> None:
        entry = self._entries.get(session_id)
        if entry is not None:
            entry.stream = None

    def put_in_flight(self, session_id: str, key: str, value: T) -> None:
        self._entry(session_id).in_flight[key] = value

    def take_in_flight(self, session_id: str, key: str) -> T | None:
        entry = self._entries.get(session_id)
        return entry.in_flight.pop(key, None) if entry is not None else None

    def drop(self, session_id: str) -> None:
        entry = self._entries.pop(session_id, None)
        if entry is not None:
            for value in entry.in_flight.values():
                self._on_evict(value)
