"""Structured JSON logging that cannot leak PHI.

Four rules make a log line safe:

1. Positional ``%s`` arguments are never interpolated: they are replaced by ``[redacted]``, because
   they are where names, dates of birth and transcript text end up.
2. ``extra`` fields pass only when their key is on ``SAFE_FIELDS`` (ids, counts, timings, status);
   any other key is logged with the value ``[redacted]``.
3. The message text itself is scrubbed of phone numbers, dates, e-mail addresses and long digit runs
   (so are the string values of safe fields); a message that is not a string is dropped.
4. Of an exception only the type is logged, plus the message of our own errors (``ReddyTalkError``
   messages are PHI-free by contract); a vendor or built-in exception message may quote data.

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

from reddytalk.errors import ReddyTalkError

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

_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"

_SCRUBBERS = [
    re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"),  # e-mail
    re.compile(r"\+?\d[\d\s().-]{7,}\d"),  # phone numbers and long digit runs
    re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),  # ISO dates
    re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b"),  # US and European dates
    re.compile(  # "March 3, 1980", "Mar 3rd 1980"
        rf"\b{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{2,4}}\b",
        re.IGNORECASE,
    ),
    re.compile(
        rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\.?,?\s+\d{{2,4}}\b", re.IGNORECASE
    ),  # "3 March 1980"
]

_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")

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
    """Format records as one JSON object per line, applying the rules above."""

    def format(self, record: logging.LogRecord) -> str:
        template = record.msg if isinstance(record.msg, str) else REDACTED
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
            if key in SAFE_FIELDS and _is_plain(value):
                entry[key] = _safe_value(key, value)
            else:
                entry[key] = REDACTED
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = _describe(record.exc_info[1])
        return json.dumps(entry, default=str)


def _safe_value(key: str, value: Any) -> Any:
    """Ids pass as they are (hex ids may hold digit runs); other text is scrubbed like messages."""
    if not isinstance(value, str) or (key.endswith("_id") and _ID.match(value)):
        return value
    return scrub(value)


def _describe(exc: BaseException | None) -> dict[str, Any]:
    """The exception's type; its message only when it is one of ours (those never carry PHI)."""
    described: dict[str, Any] = {"type": type(exc).__name__}
    if isinstance(exc, ReddyTalkError):
        described["code"] = exc.code
        described["message"] = scrub(exc.message)[:500]
    elif isinstance(exc, OSError) and exc.errno is not None:
        described["errno"] = exc.errno
    return described


def _is_plain(value: Any) -> bool:
    return (
        value is None
        or isinstance(value, bool | int | float)
        or (isinstance(value, str) and len(value) < 200)
    )


def configure_logging(level: str = "INFO", stream: Any = None) -> None:
    """Redact every log line of this process (idempotent).

    Handlers already on the root logger (the Functions worker's, the local host's) format with the
    redacting JSON formatter from now on; records themselves are left untouched for other
    consumers. When there are no handlers, or a ``stream`` is given, the app's own handler is added.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_reddytalk", False):
            root.removeHandler(handler)
    if stream is not None or not root.handlers:
        handler = logging.StreamHandler(stream or sys.stderr)
        handler._reddytalk = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    for handler in root.handlers:
        if not isinstance(handler.formatter, RedactingJsonFormatter):
            handler.setFormatter(RedactingJsonFormatter())
    root.setLevel(level)
    for chatty in ("httpx", "httpcore", "azure.core.pipeline.policies.http_logging_policy"):
        logging.getLogger(chatty).setLevel(logging.WARNING)  # a line per HTTP request is noise


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(name)
