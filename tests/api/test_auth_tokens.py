"""Access-token attacks (RFC 8725 / ASVS 9.1): every forged or stale token is a 401."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from reddytalk.auth.rbac import Role
from reddytalk.auth.tokens import AccessTokens
from reddytalk.errors import Unauthorized

SECRET = "test-secret-that-is-long-enough-for-hs512-too-0123456789abcdef-0123"


def _tokens(clock: float | None = None) -> AccessTokens:
    now = clock or time.time()
    return AccessTokens(SECRET, issuer="reddytalk", audience="reddytalk-api", clock=lambda: now)


def _claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": "reddytalk",
        "aud": "reddytalk-api",
        "sub": "u1",
        "practice_id": "p1",
        "role": "staff",
        "token_use": "access",
        "ver": 0,
        "jti": "j1",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_round_trip_carries_ids_only() -> None:
    issued = _tokens().issue(user_id="u1", practice_id="p1", role=Role.ADMIN, token_version=3)
    verified = _tokens().verify(issued.token)
    assert verified.principal.user_id == "u1" and verified.principal.practice_id == "p1"
    assert verified.principal.role is Role.ADMIN and verified.token_version == 3
    assert issued.expires_at - issued.issued_at <= 900
    payload = jwt.decode(issued.token, options={"verify_signature": False})
    assert set(payload) == {
        "iss",
        "aud",
        "sub",
        "practice_id",
        "role",
        "token_use",
        "ver",
        "jti",
        "iat",
        "nbf",
        "exp",
    }


def _forged() -> dict[str, str]:
    good = jwt.encode(_claims(), SECRET, algorithm="HS256")
    header, payload, signature = good.split(".")
    tampered_payload = _b64(_claims(role="admin"))
    return {
        "alg none": _b64({"alg": "none", "typ": "JWT"}) + "." + payload + ".",
        "alg None capitalised": _b64({"alg": "None"}) + "." + payload + ".",
        "wrong key": jwt.encode(
            _claims(), "another-secret-that-is-long-enough-0123456789", algorithm="HS256"
        ),
        "HS512 with the right key": jwt.encode(_claims(), SECRET, algorithm="HS512"),
        "expired": jwt.encode(
            _claims(iat=int(time.time()) - 1000, nbf=int(time.time()) - 1000, exp=int(time.time()) - 100),
            SECRET,
            algorithm="HS256",
        ),
        "not yet valid": jwt.encode(_claims(nbf=int(time.time()) + 600), SECRET, algorithm="HS256"),
        "wrong audience": jwt.encode(_claims(aud="signalr-hub"), SECRET, algorithm="HS256"),
        "wrong issuer": jwt.encode(_claims(iss="evil"), SECRET, algorithm="HS256"),
        "tampered claims": header + "." + tampered_payload + "." + signature,
        "no exp": jwt.encode(_claims(exp=None), SECRET, algorithm="HS256"),
        "no practice": jwt.encode(_claims(practice_id=None), SECRET, algorithm="HS256"),
        "unknown role": jwt.encode(_claims(role="root"), SECRET, algorithm="HS256"),
        "refresh used as access": jwt.encode(_claims(token_use="refresh"), SECRET, algorithm="HS256"),
        "lifetime over 15 min": jwt.encode(_claims(exp=int(time.time()) + 3600), SECRET, algorithm="HS256"),
        "kid path traversal": jwt.encode(
            _claims(), SECRET, algorithm="HS256", headers={"kid": "../../dev/null"}
        ),
        "kid sql injection": jwt.encode(
            _claims(), SECRET, algorithm="HS256", headers={"kid": "x' OR '1'='1"}
        ),
        "jku header": jwt.encode(_claims(), SECRET, algorithm="HS256", headers={"jku": "http://evil/keys"}),
        "jwk header": jwt.encode(
            _claims(), SECRET, algorithm="HS256", headers={"jwk": {"kty": "oct", "k": "AA"}}
        ),
        "string exp": jwt.encode(_claims(exp=str(int(time.time()) + 60)), SECRET, algorithm="HS256"),
        "garbage": "not.a.jwt",
        "empty": "",
    }


@pytest.mark.parametrize("name", sorted(_forged()))
def test_attack_is_rejected(name: str) -> None:
    with pytest.raises(Unauthorized):
        _tokens().verify(_forged()[name])


def test_expiry_follows_the_injected_clock() -> None:
    start = time.time()
    issued = _tokens(start).issue(user_id="u1", practice_id="p1", role=Role.STAFF)
    _tokens(start + 14 * 60).verify(issued.token)
    with pytest.raises(Unauthorized):
        _tokens(start + 16 * 60).verify(issued.token)


def test_lifetime_and_secret_limits() -> None:
    with pytest.raises(ValueError):
        AccessTokens(SECRET, issuer="i", audience="a", lifetime_seconds=16 * 60)
    with pytest.raises(ValueError):
        AccessTokens("short", issuer="i", audience="a")
