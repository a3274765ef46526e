"""The SignalR JSON hub protocol: record-separated JSON messages and the message types we use."""

from __future__ import annotations

import json
from typing import Any

RECORD_SEPARATOR = "\x1e"
INVOCATION = 1
COMPLETION = 3
STREAM_INVOCATION = 4
PING = 6
CLOSE = 7
MAX_FRAME_BYTES = 1 << 20  # pysignalr refuses larger incoming frames


class ProtocolError(ValueError):
    """A client sent something that is not the JSON hub protocol."""


def frame(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":")) + RECORD_SEPARATOR


def parse_frame(data: str | bytes) -> list[dict[str, Any]]:
    """Split one WebSocket frame into its messages; every message must end with the separator."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    if not text.endswith(RECORD_SEPARATOR):
        raise ProtocolError("message is incomplete (no record separator)")
    messages = []
    for part in text.split(RECORD_SEPARATOR)[:-1]:
        try:
            message = json.loads(part)
        except ValueError:
            raise ProtocolError("message is not JSON") from None
        if not isinstance(message, dict):
            raise ProtocolError("message is not a JSON object")
        messages.append(message)
    return messages


def invocation(target: str, arguments: list[Any]) -> str:
    """A server push: non-blocking invocation, exactly these keys (pysignalr rejects extra ones)."""
    return frame({"type": INVOCATION, "target": target, "arguments": arguments})


PING_FRAME = frame({"type": PING})


def close_frame(error: str | None = None, allow_reconnect: bool = False) -> str:
    message: dict[str, Any] = {"type": CLOSE}
    if error:
        message["error"] = error
    if allow_reconnect:
        message["allowReconnect"] = True
    return frame(message)
