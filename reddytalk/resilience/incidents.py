"""What failed during one unit of work (a call turn), noted where it happened, read where it is recorded.

The fallback chains recover on their own (the next speech provider, the local brain), so the turn
finishes normally; the turn record must still say what went wrong. Threading a failure list through
every provider signature would couple them all to the call layer, so the turn opens a collection
scope (a context variable) and the chains note into it. Outside a scope, noting does nothing.
Tasks started inside the scope share the same list (context variables are copied by reference).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from reddytalk.errors import ReddyTalkError


@dataclass(frozen=True)
class Incident:
    stage: str  # "stt" | "llm" | "tts" | "turn"
    provider: str
    code: str  # a reason code, never message text (messages may quote the caller)


_scope: ContextVar[list[Incident] | None] = ContextVar("reddytalk_incidents", default=None)


@contextmanager
def collecting() -> Iterator[list[Incident]]:
    """Collect the incidents noted in this block (nested scopes each get their own list)."""
    found: list[Incident] = []
    token = _scope.set(found)
    try:
        yield found
    finally:
        _scope.reset(token)


def note(stage: str, provider: str, error: BaseException | str) -> None:
    """Record a failure in the current scope, if any."""
    found = _scope.get()
    if found is None:
        return
    code = error if isinstance(error, str) else reason_code(error)
    found.append(Incident(stage=stage, provider=provider, code=code))


def reason_code(error: BaseException) -> str:
    if isinstance(error, ReddyTalkError):
        return error.code
    if isinstance(error, TimeoutError):
        return "timeout"
    return type(error).__name__


def current() -> list[Incident]:
    """The incidents noted so far in the current scope (empty outside one)."""
    return list(_scope.get() or [])
