"""Finding 3, with no trusted front end (``TRUSTED_PROXY_HOPS=0``, the local default): forwarding
headers are ignored, and an unknown address is no shared key that one attacker can lock for all."""

from __future__ import annotations

import azure.functions as func
from apiworld import PASSWORD, World
from probes import probe

from api.guard import client_address

HOST_ENV = {"TRUSTED_PROXY_HOPS": "0"}
F = "limiter"


def test_twenty_bad_logins_do_not_lock_out_everyone(sec_world: World) -> None:
    with sec_world.client() as c:
        for i in range(20):
            r = c.post("/api/auth/login", json={"email": f"nobody{i}@a.test", "password": "wrong password!!"})
            probe(F, r, 401, f"no forwarding header {i + 1}/20")
        r = c.post("/api/auth/login", json={"email": sec_world.a.staff.email, "password": PASSWORD})
        probe(F, r, 200, "another user's good login")


def test_forwarding_headers_are_trusted_only_as_far_as_the_settings_say() -> None:
    def req(**headers: str) -> func.HttpRequest:
        return func.HttpRequest("POST", "http://h/api/auth/login", body=b"", headers=headers)

    spoofed = req(**{"x-forwarded-for": "10.0.0.1, 203.0.113.5:4711", "x-client-ip": "10.0.0.2"})
    assert client_address(spoofed, 0) is None
    assert client_address(req(**{"x-client-ip": "10.0.0.2"}), 1) is None
    assert client_address(spoofed, 1) == "203.0.113.5"
    assert client_address(spoofed, 2) == "10.0.0.1"  # behind two front ends (Front Door + App Service)
    assert client_address(req(**{"x-forwarded-for": "203.0.113.5"}), 2) is None  # fewer hops than vouched
    assert client_address(req(**{"x-forwarded-for": "[2001:db8::1]:443"}), 1) == "2001:db8::1"
    assert client_address(req(**{"x-forwarded-for": "2001:db8::1"}), 1) == "2001:db8::1"
