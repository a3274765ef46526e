"""The edge rules of ``api/wire.py`` on their own: depth counting and plain values."""

from __future__ import annotations

import json
from datetime import date

import pytest
from pydantic import BaseModel

from api.wire import MAX_JSON_DEPTH, check_depth, check_plain
from reddytalk.errors import ValidationFailed


def test_depth_counts_brackets_outside_strings_only() -> None:
    check_depth(json.dumps({"a": "[" * 10_000 + '\\"{' * 100}).encode())
    check_depth(json.dumps([[[[1]]]] * 1000).encode())  # wide is fine
    nested: object = 1
    for _ in range(MAX_JSON_DEPTH):
        nested = [nested]
    check_depth(json.dumps(nested).encode())
    with pytest.raises(ValidationFailed, match="nests deeper"):
        check_depth(json.dumps([nested]).encode())
    with pytest.raises(ValidationFailed):
        check_depth(b'{"a": "x\\"", "b": ' + b"{" * 40 + b"}" * 40 + b"}")


class Query(BaseModel):
    n: int = 0
    flag: bool = False
    day: date | None = None


@pytest.mark.parametrize(
    ("raw", "bad"),
    [
        ({"n": "12"}, None),
        ({"n": "-3"}, None),
        ({"flag": "true", "day": "2030-01-07"}, None),
        ({"n": "1.0"}, "n"),
        ({"n": "+1"}, "n"),
        ({"flag": "yes"}, "flag"),
        ({"flag": "1"}, "flag"),
        ({"day": "0"}, "day"),
        ({"day": "1899-12-31"}, "day"),
        ({"day": "2201-01-01"}, "day"),
    ],
)
def test_query_values_must_be_plain(raw: dict[str, str], bad: str | None) -> None:
    try:
        parsed = Query.model_validate_strings(raw, strict=True)
    except ValueError:
        assert bad is not None  # pydantic refused it already
        return
    if bad is None:
        check_plain(parsed, raw, strings=True, message="bad")
    else:
        with pytest.raises(ValidationFailed) as info:
            check_plain(parsed, raw, strings=True, message="bad")
        assert list(info.value.detail) == [bad]
