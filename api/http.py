"""Shared HTTP edge helpers: JSON responses, problem bodies, request ids, body limits.

Every handler goes through ``json_endpoint`` so validation errors and ``ReddyTalkError``s become
4xx JSON problem responses and unexpected errors become a 500 without a stack trace.

Input is checked here once for every route (``api.wire`` holds the rules): bodies are limited in
size and nesting *before* they are parsed, JSON is validated strictly (no ``"0"`` → 0 or
``"yes"`` → true), query values must be written plainly (integers as digits, booleans as
``true``/``false``), and dates must be ISO 8601 strings within sane years.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import azure.functions as func
from pydantic import BaseModel, ValidationError

from api.wire import check_depth, check_plain
from reddytalk.errors import PayloadTooLarge, ReddyTalkError, UnsupportedMediaType, ValidationFailed
from reddytalk.logs import new_request_id, request_id_var

log = logging.getLogger("reddytalk.http")

MAX_JSON_BYTES = 1_048_576
M = TypeVar("M", bound=BaseModel)
Handler = Callable[..., Awaitable[func.HttpResponse]]


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> func.HttpResponse:
    all_headers = {"Content-Type": "application/json"}
    rid = request_id_var.get()
    if rid:
        all_headers["X-Request-Id"] = rid
    all_headers.update(headers or {})
    return func.HttpResponse(json.dumps(body, default=str), status_code=status, headers=all_headers)


def problem(error: ReddyTalkError) -> func.HttpResponse:
    body = error.to_problem(request_id_var.get())
    headers = {"Content-Type": "application/problem+json"}
    retry_after = getattr(error, "retry_after", None)
    if isinstance(retry_after, int):
        headers["Retry-After"] = str(retry_after)
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="reddytalk"'
    return json_response(body, status=error.status, headers=headers)


def model_response(
    model: BaseModel, status: int = 200, headers: dict[str, str] | None = None
) -> func.HttpResponse:
    """Serialise a response model exactly as the OpenAPI document describes it."""
    return json_response(model.model_dump(mode="json"), status=status, headers=headers)


def _errors(exc: ValidationError, where: str) -> dict[str, str]:
    return {".".join(str(p) for p in e["loc"]) or where: e["msg"] for e in exc.errors()}


def parse_query(req: func.HttpRequest, model: type[M]) -> M:
    """Validate query parameters against ``model`` (unknown parameters are refused with 400)."""
    raw = dict(req.params)
    try:
        parsed = model.model_validate_strings(raw, strict=True)
    except ValidationError as exc:
        raise ValidationFailed("query parameters are invalid", detail=_errors(exc, "query")) from None
    check_plain(parsed, raw, strings=True, message="query parameters are invalid")
    return parsed


def parse_json(req: func.HttpRequest, model: type[M], *, max_bytes: int = MAX_JSON_BYTES) -> M:
    """Validate a JSON body against ``model``: 413 when too large, 415/400 when not JSON or invalid."""
    raw = req.get_body() or b""
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"body is larger than {max_bytes} bytes")
    ctype = (req.headers.get("content-type") or "application/json").split(";")[0].strip().lower()
    if ctype != "application/json" and not ctype.endswith("+json"):
        raise UnsupportedMediaType("expected application/json")
    raw = raw or b"{}"
    check_depth(raw)
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ValidationFailed("body is not valid JSON") from None
    try:
        parsed = model.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        raise ValidationFailed("request body is invalid", detail=_errors(exc, "body")) from None
    check_plain(parsed, data, strings=False, message="request body is invalid")
    return parsed


def json_endpoint(handler: Handler) -> Handler:
    """Wrap a handler: request id, error mapping, no stack traces to clients."""

    @functools.wraps(handler)
    async def wrapper(*args: Any, **kwargs: Any) -> func.HttpResponse:
        new_request_id()
        try:
            return await handler(*args, **kwargs)
        except ReddyTalkError as exc:
            if exc.status >= 500:
                log.error("request failed", extra={"code": exc.code})
            return problem(exc)
        except Exception:
            log.exception("unhandled error")
            return problem(ReddyTalkError("internal error"))

    return wrapper
