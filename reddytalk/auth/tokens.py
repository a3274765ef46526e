"""Short-lived access tokens: HS256 JWTs checked strictly (RFC 8725, ASVS 9.1/9.2).

One algorithm, fixed in code. Issuer, audience, expiry, not-before and issued-at are required and
checked; headers that point at keys elsewhere (``jku``, ``x5u``, ``jwk``) or carry a ``kid`` are
refused, and the ``token_use`` claim must say ``access``. Claims hold ids only, never PHI.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt

from reddytalk.auth.rbac import Principal, Role
from reddytalk.errors import Unauthorized

ALGORITHMS = ["HS256"]
LEEWAY_SECONDS = 30
MAX_LIFETIME_SECONDS = 15 * 60
_FORBIDDEN_HEADERS = frozenset({"jku", "x5u", "jwk", "x5c", "kid", "crit"})
_REQUIRED = ["exp", "iat", "nbf", "iss", "aud", "sub", "jti"]


@dataclass(frozen=True)
class VerifiedClaims:
    principal: Principal
    token_version: int
    issued_at: int
    expires_at: int


@dataclass(frozen=True)
class IssuedToken:
    token: str
    token_id: str
    expires_at: int
    issued_at: int


class AccessTokens:
    """Issue and verify access tokens with one secret, issuer and audience."""

    def __init__(
        self,
        secret: str,
        *,
        issuer: str,
        audience: str,
        lifetime_seconds: int = MAX_LIFETIME_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if len(secret.encode()) < 32:
            raise ValueError("the JWT secret must be at least 32 bytes")
        if not 0 < lifetime_seconds <= MAX_LIFETIME_SECONDS:
            raise ValueError("access tokens live at most 15 minutes")
        self._secret = secret
        self.issuer = issuer
        self.audience = audience
        self.lifetime_seconds = lifetime_seconds
        self._clock = clock

    def issue(self, *, user_id: str, practice_id: str, role: Role, token_version: int = 0) -> IssuedToken:
        now = int(self._clock())
        token_id = uuid.uuid4().hex
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": user_id,
            "practice_id": practice_id,
            "role": role.value,
            "token_use": "access",
            "ver": token_version,
            "jti": token_id,
            "iat": now,
            "nbf": now,
            "exp": now + self.lifetime_seconds,
        }
        token = jwt.encode(claims, self._secret, algorithm="HS256", headers={"typ": "JWT"})
        return IssuedToken(
            token=token, token_id=token_id, expires_at=now + self.lifetime_seconds, issued_at=now
        )

    def verify(self, token: str) -> VerifiedClaims:
        """Check signature, algorithm, headers, issuer, audience and times; ``Unauthorized`` if anything is off."""
        try:
            decoded = jwt.api_jwt.decode_complete(
                token,
                self._secret,
                algorithms=ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={
                    "require": _REQUIRED,
                    "verify_signature": True,
                    # Times are checked below against the injected clock, so frozen-clock tests are real.
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
            header: dict[str, Any] = decoded["header"]
            claims: dict[str, Any] = decoded["payload"]
            if header.get("alg") not in ALGORITHMS or _FORBIDDEN_HEADERS & set(header):
                raise Unauthorized("invalid token")
            exp, nbf, iat = (claims[k] for k in ("exp", "nbf", "iat"))
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in (exp, nbf, iat)):
                raise Unauthorized("invalid token")
            now = self._clock()
            if exp + LEEWAY_SECONDS <= now or nbf - LEEWAY_SECONDS > now or iat - LEEWAY_SECONDS > now:
                raise Unauthorized("invalid token")
            if exp - iat > MAX_LIFETIME_SECONDS or claims.get("token_use") != "access":
                raise Unauthorized("invalid token")
            principal = Principal(
                user_id=str(claims["sub"]),
                practice_id=str(claims["practice_id"]),
                role=Role(claims["role"]),
                token_id=str(claims["jti"]),
            )
            version = claims.get("ver", 0)
            if not isinstance(version, int) or isinstance(version, bool):
                raise Unauthorized("invalid token")
            return VerifiedClaims(principal, version, iat, exp)
        except Unauthorized:
            raise
        except (jwt.PyJWTError, KeyError, ValueError, TypeError):
            raise Unauthorized("invalid token") from None
