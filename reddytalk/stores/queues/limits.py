"""Argument rules both queue stores enforce the same way (Azure Storage queue limits)."""

from __future__ import annotations

from localqueue import InvalidQueueName, validate_queue_name
from reddytalk.errors import ValidationFailed

MAX_BODY_BYTES = 48 * 1024  # 64 KiB once base64-encoded, the Azure limit
MAX_SECONDS = 7 * 24 * 3600
MAX_BATCH = 32


def check_queue(name: str) -> str:
    try:
        return validate_queue_name(name)
    except InvalidQueueName as exc:
        raise ValidationFailed(str(exc)) from None


def check_body(body: str) -> str:
    if not isinstance(body, str):
        raise ValidationFailed("a queue message body is text")
    if len(body.encode("utf-8")) > MAX_BODY_BYTES:
        raise ValidationFailed(f"a queue message body is at most {MAX_BODY_BYTES} bytes")
    return body


def check_seconds(name: str, value: int, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= MAX_SECONDS:
        raise ValidationFailed(f"{name} must be whole seconds in {minimum}..{MAX_SECONDS}")
    return value


def check_batch(max_messages: int) -> int:
    if (
        isinstance(max_messages, bool)
        or not isinstance(max_messages, int)
        or not 1 <= max_messages <= MAX_BATCH
    ):
        raise ValidationFailed(f"max_messages must be 1..{MAX_BATCH}")
    return max_messages


def check_receipt(message_id: str, pop_receipt: str) -> None:
    if (
        not isinstance(message_id, str)
        or not message_id
        or not isinstance(pop_receipt, str)
        or not pop_receipt
    ):
        raise ValidationFailed("message id and pop receipt are required")
