"""Audit-safe references for ids that arrive from outside (URL paths).

``AuditLog`` accepts identifiers only (letter first, no spaces). A denied or not-found access must
still be audited even when the requested id is junk or starts with a digit, so such ids are recorded
as ``ref:<sha256 prefix>``: stable (the same junk gives the same reference) and never the raw value.
"""

from __future__ import annotations

import hashlib
import re

_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_.:@-]{0,159}$")


def audit_ref(value: str) -> str:
    if _IDENT.fullmatch(value):
        return value
    return "ref:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]
