"""The frames between the local host and its worker processes (``FUNCTIONS_WORKER_PROCESS_COUNT``).

A frame is a 4-byte big-endian length and a pickle, over a socket pair the host creates for each worker
(like the gRPC channel between the Functions host and a language worker). Trigger values travel as the
objects the SDK's converters made; ``func.HttpRequest`` is not picklable (it holds a ``mappingproxy``),
so it is rebuilt from its parts on the other side. Failures travel as the exception's type name,
message and traceback text: the host needs ``TypeName: message`` (an activity's failure reason, a log
line), never the app's exception class, which the host must not need to import.
"""

from __future__ import annotations

import asyncio
import copyreg
import io
import pickle
import struct
from typing import Any

from azure.functions import http as func_http

HEADER = struct.Struct(">I")
MAX_FRAME = 1 << 30


class RemoteError(Exception):
    """An exception raised by a function in a worker process; its class is named like the original."""

    remote_traceback: str = ""


_error_classes: dict[str, type[RemoteError]] = {}


def remote_error(type_name: str, message: str, traceback_text: str) -> RemoteError:
    """``RemoteError`` subclass named ``type_name``, so ``f"{type(e).__name__}: {e}"`` reads as in-process."""
    cls = _error_classes.get(type_name)
    if cls is None:
        cls = _error_classes[type_name] = type(type_name, (RemoteError,), {})
    error = cls(message)
    error.remote_traceback = traceback_text
    if traceback_text:
        error.add_note(f"in the worker process:\n{traceback_text.rstrip()}")
    return error


def _rebuild_http_request(
    method: str,
    url: str,
    headers: dict[str, str],
    params: dict[str, str],
    route_params: dict[str, str],
    body_type: str,
    body: bytes,
) -> func_http.HttpRequest:
    return func_http.HttpRequest(
        method,
        url,
        headers=headers,
        params=params,
        route_params=route_params,
        body_type=body_type,
        body=body,
    )


def _reduce_http_request(req: func_http.HttpRequest) -> tuple[Any, tuple[Any, ...]]:
    body_type = getattr(req, "_HttpRequest__body_type", "bytes")
    return _rebuild_http_request, (
        req.method,
        req.url,
        dict(req.headers),
        dict(req.params),
        dict(req.route_params),
        body_type,
        req.get_body(),
    )


_TABLE = copyreg.dispatch_table.copy()
_TABLE[func_http.HttpRequest] = _reduce_http_request


def dumps(value: Any) -> bytes:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _TABLE
    pickler.dump(value)
    return buffer.getvalue()


def frame(value: Any) -> bytes:
    data = dumps(value)
    return HEADER.pack(len(data)) + data


async def read_frame(reader: asyncio.StreamReader) -> Any:
    """The next frame; ``asyncio.IncompleteReadError`` when the other side is gone."""
    (size,) = HEADER.unpack(await reader.readexactly(HEADER.size))
    if size > MAX_FRAME:
        raise ValueError(f"frame of {size} bytes is too large")
    # S301: the socket pair is private to the host and the worker processes it started
    return pickle.loads(await reader.readexactly(size))  # noqa: S301
