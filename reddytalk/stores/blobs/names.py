"""Names both blob stores accept: Azure container rules, and blob names that cannot escape a folder.

Both implementations refuse the same names, so code that works on the embedded store works on
Azure Storage. Blob names may contain ``/`` (virtual folders) but no ``.``/``..`` segments,
backslashes or control characters: the embedded store maps them onto the file system.
"""

from __future__ import annotations

import re

from reddytalk.errors import ValidationFailed

_CONTAINER = re.compile(r"^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$")
_METADATA_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
MAX_NAME_LENGTH = 1024


def check_container(name: str) -> str:
    if not isinstance(name, str) or not _CONTAINER.match(name):
        raise ValidationFailed("blob container names are 3-63 lowercase letters, digits and single dashes")
    return name


def check_blob_name(name: str) -> str:
    if not isinstance(name, str) or not name or len(name) > MAX_NAME_LENGTH:
        raise ValidationFailed(f"blob names are 1-{MAX_NAME_LENGTH} characters")
    if (
        name.startswith("/")
        or name.endswith("/")
        or "\\" in name
        or any(ord(ch) < 32 or ord(ch) == 127 for ch in name)
    ):
        raise ValidationFailed("blob names must not start or end with / nor contain \\ or control characters")
    if any(part in {"", ".", ".."} for part in name.split("/")):
        raise ValidationFailed("blob names must not contain empty, '.' or '..' segments")
    return name


def check_metadata(metadata: dict[str, str] | None) -> dict[str, str]:
    """Metadata keys are identifiers and values printable ASCII (the Azure rules)."""
    clean: dict[str, str] = {}
    for key, value in (metadata or {}).items():
        if not isinstance(key, str) or not _METADATA_KEY.match(key):
            raise ValidationFailed("metadata keys must be identifiers (letters, digits, _)")
        if not isinstance(value, str) or not all(32 <= ord(ch) < 127 for ch in value):
            raise ValidationFailed("metadata values must be printable ASCII text")
        clean[key] = value
    return clean


def check_range(offset: int, length: int | None) -> None:
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise ValidationFailed("offset must be a non-negative integer")
    if length is not None and (isinstance(length, bool) or not isinstance(length, int) or length < 1):
        raise ValidationFailed("length must be a positive integer")
