"""What every request's input must look like on the wire, checked once at the edge (``api.http``).

Pydantic does the typing; this adds the rules it leaves open:

* nesting depth is limited *before* a body is parsed (a body nested thousands deep would otherwise
  exhaust the parser's recursion);
* dates and times are ISO 8601 strings (``"0"`` or ``0`` is not a date of birth) within sane years,
  so date arithmetic downstream can never overflow;
* query values, which are always strings, are written plainly: integers as digits and booleans as
  ``true``/``false`` (not ``"1.0"``, ``"yes"`` or ``"on"``). JSON bodies get this from strict
  validation.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import Enum
from itertools import accumulate
from typing import Any

from pydantic import BaseModel, RootModel

from reddytalk.errors import ValidationFailed

MAX_JSON_DEPTH = 32
MIN_YEAR, MAX_YEAR = 1900, 2200

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")
_INTEGER = re.compile(r"^-?\d{1,18}$")


def check_depth(raw: bytes, limit: int = MAX_JSON_DEPTH) -> None:
    """400 when the JSON text nests arrays/objects deeper than ``limit`` (strings are skipped)."""
    brackets = _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    if len(brackets) <= limit:
        return
    if max(accumulate(map(_STEP.__getitem__, brackets))) > limit:
        raise ValidationFailed(f"JSON nests deeper than {limit} levels")


def check_plain(parsed: BaseModel, raw: Any, *, strings: bool, message: str) -> None:
    """Compare a validated model with the raw input it came from; 400 listing every bad value."""
    problems: dict[str, str] = {}
    _walk(parsed, raw, (), strings, problems)
    if problems:
        raise ValidationFailed(message, detail=problems)


def _walk(value: Any, raw: Any, path: tuple[str, ...], strings: bool, problems: dict[str, str]) -> None:
    where = ".".join(path) or "body"
    if isinstance(value, RootModel):
        _walk(value.root, raw, path, strings, problems)
    elif isinstance(value, BaseModel):
        if isinstance(raw, dict):
            for name, info in type(value).model_fields.items():
                key = info.alias or name
                if key in raw:
                    _walk(getattr(value, name), raw[key], (*path, key), strings, problems)
    elif isinstance(value, list | tuple) and isinstance(raw, list):
        for i, (item, raw_item) in enumerate(zip(value, raw, strict=False)):
            _walk(item, raw_item, (*path, str(i)), strings, problems)
    elif isinstance(value, dict) and isinstance(raw, dict):
        for key, item in value.items():
            if key in raw:
                _walk(item, raw[key], (*path, str(key)), strings, problems)
    elif isinstance(value, datetime):
        if not (isinstance(raw, str) and _ISO_DATETIME.match(raw)):
            problems[where] = "expected an ISO 8601 date-time, e.g. 2030-01-07T10:00:00-05:00"
        elif not MIN_YEAR <= value.year <= MAX_YEAR:
            problems[where] = f"the year must be between {MIN_YEAR} and {MAX_YEAR}"
    elif isinstance(value, date):
        if not (isinstance(raw, str) and _ISO_DATE.match(raw)):
            problems[where] = "expected an ISO 8601 date, e.g. 2030-01-07"
        elif not MIN_YEAR <= value.year <= MAX_YEAR:
            problems[where] = f"the year must be between {MIN_YEAR} and {MAX_YEAR}"
    elif strings and isinstance(value, bool):
        if raw not in ("true", "false"):
            problems[where] = "expected true or false"
    elif (
        strings
        and isinstance(value, int)
        and not isinstance(value, Enum)
        and not (isinstance(raw, str) and _INTEGER.match(raw))
    ):
        problems[where] = "expected an integer written in digits"
