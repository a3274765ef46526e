"""Access tokens: HS256 JWTs signed with the AccessKey's UTF-8 bytes, as the service expects.

Signature and expiry are enforced. The audience is matched on host and path only, because the SDKs
and the docs disagree on whether the port and the query string belong in it; loopback names
(127.0.0.1, localhost, ::1) count as one host.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import jwt
from jwt.warnings import InsecureKeyLengthWarning

from devhost.signalr.connection_string import LOOPBACK_HOSTS

CLOCK_SKEW_SECONDS = 300
USER_ID_CLAIMS = (
    "asrs.s.uid",
    "nameid",
    "sub",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier",
)


class TokenRejected(Exception):
    """The token is missing, unsigned, wrongly signed, expired or for another audience."""


def issue(audience: str, access_key: str, *, user_id: str | None = None, lifetime: int = 3600) -> str:
    """A token like the SDKs mint; tests and the output binding use it."""
    now = int(time.time())
    claims: dict[str, Any] = {"aud": audience, "iat": now, "nbf": now, "exp": now + lifetime}
    if user_id is not None:
        claims["nameid"] = user_id
    return sign(claims, access_key)


def sign(claims: Mapping[str, Any], access_key: str) -> str:
    """HS256 over the key's UTF-8 bytes; short keys are the service's business, not a warning here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return jwt.encode(dict(claims), access_key, algorithm="HS256")


def bearer_token(headers: Mapping[str, str], query: Mapping[str, str] | None = None) -> str:
    """The token from ``Authorization: Bearer``, else from the ``access_token`` query (browsers)."""
    auth = headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if query is not None and query.get("access_token"):
        return str(query["access_token"])
    raise TokenRejected("no access token")


def verify(token: str, access_key: str, *, host: str, path: str) -> dict[str, Any]:
    """Check signature, expiry and audience (host + path); return the claims."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InsecureKeyLengthWarning)
            claims: dict[str, Any] = jwt.decode(
                token,
                access_key,
                algorithms=["HS256"],
                options={"verify_aud": False, "require": ["exp", "aud"]},
                leeway=CLOCK_SKEW_SECONDS,
            )
    except jwt.PyJWTError as exc:
        raise TokenRejected(type(exc).__name__) from None
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if not any(_audience_matches(str(aud), host, path) for aud in audiences):
        raise TokenRejected("audience does not match")
    return claims


def user_id_of(claims: Mapping[str, Any]) -> str | None:
    for name in USER_ID_CLAIMS:
        value = claims.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def _audience_matches(audience: str, host: str, path: str) -> bool:
    parts = urlsplit(audience)
    aud_host = (parts.hostname or "").lower()
    host = host.lower()
    same_host = aud_host == host or (aud_host in LOOPBACK_HOSTS and host in LOOPBACK_HOSTS)
    return same_host and parts.path.rstrip("/").lower() == path.rstrip("/").lower()
