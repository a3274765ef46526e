"""Rules every document store applies the same way: names, ids, field paths, TTL and patch ops.

Keeping them here makes the embedded store and the Cosmos store refuse the same bad input with the
same ``ValidationFailed`` before anything is written, and agree on when a document has expired.
"""

from __future__ import annotations

import base64
import copy
import json
import math
import re
from typing import Any

from reddytalk.errors import PayloadTooLarge, ValidationFailed
from reddytalk.stores.containers import Container, container
from reddytalk.stores.documents.base import AnyOf, Document, PatchOp, Prefix, Query, Range

MAX_DOCUMENT_BYTES = 2 * 1024 * 1024  # the Cosmos DB item size limit
MAX_PATCH_OPS = 10  # the Cosmos DB limit per patch request
_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_FORBIDDEN_ID_CHARS = set("/\\?#")
SYSTEM_FIELDS = frozenset({"_etag", "_ts", "_rid", "_self", "_attachments", "_lsn"})


def known_container(name: str) -> Container:
    try:
        return container(name)
    except KeyError:
        raise ValidationFailed(f"unknown document container {name!r}") from None


def check_id(value: Any, what: str = "id") -> str:
    """Ids and partition key values are non-empty strings without ``/ \\ ? #`` (Cosmos rules)."""
    if not isinstance(value, str) or not value or len(value) > 255:
        raise ValidationFailed(f"{what} must be a non-empty string of at most 255 characters")
    if _FORBIDDEN_ID_CHARS & set(value) or value != value.strip():
        raise ValidationFailed(f"{what} must not contain / \\ ? # or surrounding spaces")
    return value


def check_document(box: Container, doc: Document) -> tuple[str, str]:
    """Validate a document to write; returns its (id, partition key value)."""
    if not isinstance(doc, dict):
        raise ValidationFailed("a document must be a JSON object")
    doc_id = check_id(doc.get("id"))
    pk = check_id(doc.get(box.partition_key), f"partition key {box.partition_key!r}")
    ttl = doc.get("ttl")
    if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, int) or ttl == 0 or ttl < -1):
        raise ValidationFailed("ttl must be a positive number of seconds or -1")
    return doc_id, pk


def without_system_fields(doc: Document) -> Document:
    return {k: v for k, v in doc.items() if k not in SYSTEM_FIELDS}


def to_json(doc: Document) -> str:
    """The stored JSON of ``doc`` (system fields dropped); refuses non-JSON values and items over 2 MB."""
    try:
        body = json.dumps(
            without_system_fields(doc), ensure_ascii=False, allow_nan=False, separators=(",", ":")
        )
    except (TypeError, ValueError):
        raise ValidationFailed(
            "document is not valid JSON (only objects, lists, strings, numbers, booleans, null)"
        ) from None
    if len(body.encode("utf-8")) > MAX_DOCUMENT_BYTES:
        raise PayloadTooLarge("document is larger than 2 MB")
    return body


def check_field(path: str) -> list[str]:
    """A dotted field path (``a.b``) as its parts; only identifier characters are allowed."""
    if not isinstance(path, str) or not _FIELD.match(path):
        raise ValidationFailed(f"invalid field path {path!r}")
    return path.split(".")


def check_query(query: Query) -> None:
    for path, flt in query.where.items():
        check_field(path)
        check_filter_value(flt)
    if query.order_by is not None:
        check_field(query.order_by)
    if query.limit is not None and (isinstance(query.limit, bool) or not 1 <= query.limit <= 1000):
        raise ValidationFailed("limit must be 1..1000")
    if query.partition_key is not None:
        check_id(query.partition_key, "partition key")


def _scalar(value: Any) -> bool:
    return (
        value is None
        or isinstance(value, str | bool | int)
        or (isinstance(value, float) and math.isfinite(value))
    )


def check_filter_value(flt: Any) -> None:
    if isinstance(flt, Prefix):
        if not isinstance(flt.value, str):
            raise ValidationFailed("Prefix needs a string")
    elif isinstance(flt, Range):
        if flt.gte is None and flt.lt is None:
            raise ValidationFailed("Range needs gte or lt")
        for bound in (flt.gte, flt.lt):
            if bound is not None and (isinstance(bound, bool) or not _scalar(bound)):
                raise ValidationFailed("Range bounds must be strings or numbers")
    elif isinstance(flt, AnyOf):
        if not all(_scalar(v) and v is not None for v in flt.values):
            raise ValidationFailed("AnyOf values must be strings, numbers or booleans")
    elif not _scalar(flt):
        raise ValidationFailed("equality filters take a string, number, boolean or None")


def prefix_upper_bound(prefix: str) -> str | None:
    """The least string above every string that starts with ``prefix`` (code point order, which is
    UTF-8 byte order), so ``prefix <= s < bound`` is a prefix match an index can seek; ``None``
    when there is no such bound (empty prefix, or only U+10FFFF characters)."""
    chars = list(prefix)
    while chars and chars[-1] == "\U0010ffff":
        chars.pop()
    if not chars:
        return None
    following = ord(chars[-1]) + 1
    chars[-1] = chr(0xE000 if 0xD800 <= following <= 0xDFFF else following)  # skip surrogates
    return "".join(chars)


def expires_at(box: Container, doc: Document, written_ts: int) -> int | None:
    """Epoch second at which ``doc`` stops being visible, or ``None`` (Cosmos TTL semantics).

    TTL applies only when the container has a ``default_ttl`` (``-1``: per-item ``ttl`` only).
    An item's ``ttl`` overrides the container default; ``-1`` means never.
    """
    if box.default_ttl is None:
        return None
    ttl = doc.get("ttl")
    effective = ttl if isinstance(ttl, int) and not isinstance(ttl, bool) else box.default_ttl
    if effective is None or effective <= 0:
        return None
    return written_ts + effective


# -- patch ---------------------------------------------------------------------------------------


def check_patch(box: Container, ops: list[PatchOp]) -> None:
    if not ops or len(ops) > MAX_PATCH_OPS:
        raise ValidationFailed(f"a patch needs 1..{MAX_PATCH_OPS} operations")
    for op in ops:
        if not isinstance(op, PatchOp) or op.op not in {"set", "add", "remove", "incr", "replace"}:
            raise ValidationFailed("unknown patch operation")
        parts = _pointer(op.path)
        if parts[0] in {"id", box.partition_key} or parts[0] in SYSTEM_FIELDS:
            raise ValidationFailed(f"cannot patch {op.path!r}")
        if op.op == "incr" and (isinstance(op.value, bool) or not isinstance(op.value, int | float)):
            raise ValidationFailed("incr needs a number")


def _pointer(path: str) -> list[str]:
    if not isinstance(path, str) or not path.startswith("/") or path == "/":
        raise ValidationFailed(f"patch path must look like /field or /field/sub, got {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def apply_patch(doc: Document, ops: list[PatchOp]) -> Document:
    """Apply Cosmos patch semantics to a copy of ``doc``; a bad path raises ``ValidationFailed``."""
    result = copy.deepcopy(doc)
    for op in ops:
        *parents, leaf = _pointer(op.path)
        target: Any = result
        for part in parents:
            target = _child(target, part, op.path)
        if isinstance(target, list):
            _apply_to_list(target, leaf, op)
        elif isinstance(target, dict):
            _apply_to_object(target, leaf, op)
        else:
            raise ValidationFailed(f"patch path {op.path!r} does not exist")
    return result


def _child(node: Any, part: str, path: str) -> Any:
    if isinstance(node, dict) and part in node:
        return node[part]
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    raise ValidationFailed(f"patch path {path!r} does not exist")


def _apply_to_object(target: dict[str, Any], key: str, op: PatchOp) -> None:
    if op.op in {"set", "add"}:
        target[key] = copy.deepcopy(op.value)
    elif op.op == "replace":
        if key not in target:
            raise ValidationFailed(f"patch path {op.path!r} does not exist")
        target[key] = copy.deepcopy(op.value)
    elif op.op == "remove":
        if key not in target:
            raise ValidationFailed(f"patch path {op.path!r} does not exist")
        del target[key]
    else:  # incr
        current = target.get(key, 0)
        if isinstance(current, bool) or not isinstance(current, int | float):
            raise ValidationFailed(f"incr target {op.path!r} is not a number")
        target[key] = current + op.value


def _apply_to_list(target: list[Any], key: str, op: PatchOp) -> None:
    if key == "-" and op.op in {"add", "set"}:
        target.append(copy.deepcopy(op.value))
        return
    if not key.isdigit():
        raise ValidationFailed(f"patch path {op.path!r} needs an array index")
    index = int(key)
    if op.op == "add" and index <= len(target):
        target.insert(index, copy.deepcopy(op.value))
    elif index >= len(target):
        raise ValidationFailed(f"patch path {op.path!r} is past the end of the array")
    elif op.op in {"set", "replace"}:
        target[index] = copy.deepcopy(op.value)
    elif op.op == "remove":
        del target[index]
    else:
        current = target[index]
        if isinstance(current, bool) or not isinstance(current, int | float):
            raise ValidationFailed(f"incr target {op.path!r} is not a number")
        target[index] = current + op.value


# -- offset continuation tokens -----------------------------------------------------------------


def encode_continuation(offset: int) -> str:
    """An opaque token for "the next page starts after ``offset`` items"."""
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode()


def decode_continuation(token: str | None) -> int:
    if token is None:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))["o"]
    except (ValueError, KeyError, TypeError):
        raise ValidationFailed("invalid continuation token") from None
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise ValidationFailed("invalid continuation token")
    return offset
