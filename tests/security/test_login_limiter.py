"""Finding 3, behind a front end (``TRUSTED_PROXY_HOPS=1``, as on Azure): the login limiter keys on
the address the front end appended, never on what the client wrote itself.

The tests play the platform's front end: the last ``X-Forwarded-For`` hop is the address it saw;
anything before it, and ``X-Client-IP``, is client-written.
"""

from __future__ import annotations

import httpx
from apiworld import PASSWORD, World
from probes import probe

HOST_ENV = {"TRUSTED_PROXY_HOPS": "1"}
F = "limiter"
BAD = "not the password at all"


def _login(c: httpx.Client, email: str, password: str, forwarded: str, **headers: str) -> httpx.Response:
    return c.post(
        "/api/auth/login",
        json={"email": email, "password": password},
        headers={"X-Forwarded-For": forwarded, **headers},
    )


def test_a_sprayed_address_is_locked_but_other_addresses_are_not(sec_world: World) -> None:
    with sec_world.client() as c:
        for i in range(20):  # one address, many accounts
            probe(F, _login(c, f"spray{i}@a.test", BAD, "203.0.113.20"), 401, f"spray {i + 1}/20")
        probe(
            F,
            _login(c, sec_world.a.staff.email, PASSWORD, "203.0.113.20"),
            429,
            "good login from the sprayer",
        )
        probe(
            F,
            _login(c, sec_world.a.admin.email, PASSWORD, "203.0.113.21"),
            200,
            "another user, another address",
        )
        probe(F, _login(c, sec_world.b.staff.email, PASSWORD, "203.0.113.22"), 200, "a third address")


def test_client_written_headers_do_not_escape_the_lock(sec_world: World) -> None:
    with sec_world.client() as c:
        for i in range(20):
            spoofed = f"10.77.0.{i}, 203.0.113.30"
            headers = {"X-Client-IP": f"10.78.0.{i}", "X-Real-IP": f"10.79.0.{i}"}
            probe(
                F, _login(c, f"rotate{i}@a.test", BAD, spoofed, **headers), 401, "fresh spoofed hop each time"
            )
        locked = _login(
            c, sec_world.b.admin.email, PASSWORD, "10.77.1.1, 203.0.113.30", **{"X-Client-IP": "10.78.1.1"}
        )
        probe(F, locked, 429, "spoofed hop + X-Client-IP")
        assert int(locked.headers["retry-after"]) > 0


def test_many_addresses_against_one_account_are_limited(sec_world: World) -> None:
    with sec_world.client() as c:
        for i in range(5):
            probe(F, _login(c, "target@b.test", BAD, f"198.51.100.{40 + i}"), 401, f"address {i + 1}/5")
        probe(F, _login(c, "target@b.test", BAD, "198.51.100.99"), 429, "a sixth address, same account")
