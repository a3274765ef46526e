"""Structured JSON logging that cannot leak PHI.

Three rules make a log line safe:

1. Positional ``%s`` arguments are never interpolated: they are replaced by ``[redacted]``, because
   they are where names, dates of birth and transcript text end up.
2. ``extra`` fields pass only when their key is on ``SAFE_FIELDS`` (ids, counts, timings, status);
   any other key is logged with the value ``[redacted]``.
3. The message text itself is scrubbed of phone numbers, dates, e-mail addresses and long digit runs.

Request ids travel in a context variable so every line of one request or activity carries the same id.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import uuid
from typing import Any

REDACTED = "[redacted]"

SAFE_FIELDS = frozenset(
    {
        "request_id",
        "session_id",
        "instance_id",
        "practice_id",
        "actor_id",
        "user_id",
        "patient_id",
        "appointment_id",
        "turn",
        "seq",
        "status",
        "code",
        "method",
        "route",
        "path",
        "duration_ms",
        "elapsed_ms",
        "count",
        "bytes",
        "provider",
        "model",
        "operation",
        "container",
        "queue",
        "event",
        "function",
        "attempt",
        "outcome",
        "action",
        "resource",
        "tool",
        "intent",
        "reason_code",
    }
)

_SCRUBBERS = [
    re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"),  # e-mail
    re.compile(r"\+?\d[\d\s().-]{7,}\d"),  # phone numbers and long digit runs
    re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),  # ISO dates
    re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"),  # US dates
]

_BUILTIN_ATTRS = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime", "taskName"}

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def scrub(text: str) -> str:
    """Remove identifiers that look like PHI from free text."""
    for pattern in _SCRUBBERS:
        text = pattern.sub(REDACTED, text)
    return text


def new_request_id() -> str:
    rid = uuid.uuid4().hex
    request_id_var.set(rid)
    return rid


class RedactingJsonFormatter(logging.Formatter):
    """Format records as one JSON object per line, applying the three rules above."""

    def format(self, record: logging.LogRecord) -> str:
        template = str(record.msg)
        if record.args:
            template = re.sub(r"%[-#0 +]*\d*(?:\.\d+)?[sdrifgex]", REDACTED, template)
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(template),
        }
        rid = request_id_var.get()
        if rid:
            entry["request_id"] = rid
        for key, value in vars(record).items():
            if key in _BUILTIN_ATTRS or key.startswith("_"):
                continue
            entry[key] = value if key in SAFE_FIELDS and _is_plain(value) else REDACTED
        if record.exc_info and record.exc_info[0] is not None:
            # The exception type is useful; its message may hold PHI, so it is scrubbed.
            exc = record.exc_info[1]
            entry["error"] = {"type": record.exc_info[0].__name__, "message": scrub(str(exc))[:500]}
        return json.dumps(entry, default=str)


def _is_plain(value: Any) -> bool:
    return (
        value is None
        or isinstance(value, bool | int | float)
        or (isinstance(value, str) and len(value) < 200)
    )


def configure_logging(level: str = "INFO", stream: Any = None) -> None:
    """Install the redacting JSON handler on the root logger (idempotent)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_reddytalk", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(RedactingJsonFormatter())
    handler._reddytalk = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(name)
