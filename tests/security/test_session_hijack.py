"""Finding 1: a repeated ``call_id`` must never hand out a usable token; phone starts need the
telephony key; anonymous web starts are limited per address and capped per practice."""

from __future__ import annotations

import hashlib

import httpx
from apiworld import World
from probes import probe

from reddytalk.settings import LOCAL_TELEPHONY_KEY

HOST_ENV = {
    "TRUSTED_PROXY_HOPS": "1",
    "WEB_CALL_STARTS_PER_MINUTE": "3",
    "MAX_CONCURRENT_CALLS": "4",
    "IDLE_TIMEOUT_SECONDS": "300",  # calls stay live for the capacity probes
}
F = "takeover"


def _start(c: httpx.Client, practice_id: str, address: str, **extra: object) -> httpx.Response:
    headers = {"X-Forwarded-For": address} | dict(extra.pop("headers", {}) or {})  # type: ignore[call-overload]
    return c.post("/api/voice/sessions", json={"practice_id": practice_id, **extra}, headers=headers)


def _end(c: httpx.Client, started: httpx.Response) -> None:
    body = started.json()
    c.post(
        f"/api/voice/sessions/{body['session_id']}/end", headers={"X-Session-Token": body["session_token"]}
    )


def test_a_repeated_call_id_gets_no_token_and_the_caller_keeps_the_call(sec_world: World) -> None:
    practice = sec_world.b.practice_id
    with sec_world.client() as c:
        first = probe(F, _start(c, practice, "198.51.100.1", call_id="pbx-1001"), 201, "the caller")
        sid, token = first.json()["session_id"], first.json()["session_token"]
        again = probe(
            F, _start(c, practice, "198.51.100.66", call_id="pbx-1001"), 409, "attacker repeats call_id"
        )
        assert (
            "session_token" not in again.text and again.headers["content-type"] == "application/problem+json"
        )
        forged = _start(
            c, practice, "198.51.100.66", call_id="pbx-1001", headers={"X-Session-Token": "guess"}
        )
        probe(F, forged, 409, "attacker repeats call_id with a made-up token")
        mine = probe(
            F,
            _start(c, practice, "198.51.100.1", call_id="pbx-1001", headers={"X-Session-Token": token}),
            200,
            "the caller retries with its token",
        )
        assert (mine.json()["session_id"], mine.json()["session_token"]) == (sid, token)
        caller = {"X-Session-Token": token}
        probe(F, c.get(f"/api/voice/sessions/{sid}", headers=caller), 200, "the first token still works")
        audio = c.post(
            f"/api/voice/sessions/{sid}/audio",
            params={"seq": 0},
            content=b"\x00\x00" * 160,
            headers=caller | {"Content-Type": "application/octet-stream"},
        )
        probe(F, audio, 202, "the caller still streams audio")
        probe(F, c.post(f"/api/voice/sessions/{sid}/end", headers=caller), 202, "the caller hangs up")


def test_the_session_id_cannot_be_computed_from_public_values(sec_world: World) -> None:
    practice = sec_world.b.practice_id
    with sec_world.client() as c:
        started = probe(F, _start(c, practice, "198.51.100.2", call_id="pbx-1002"), 201)
        _end(c, started)
    public = "call-" + hashlib.sha256(f"{practice}\x00pbx-1002".encode()).hexdigest()[:32]
    assert started.json()["session_id"] != public


def test_a_web_start_cannot_squat_the_call_id_of_a_coming_phone_call(sec_world: World) -> None:
    practice = sec_world.b.practice_id
    phone = {"channel": "phone", "audio_format": "mulaw/8000", "call_id": "pbx-2001"}
    with sec_world.client() as c:
        squat = probe(
            F, _start(c, practice, "198.51.100.4", call_id="pbx-2001"), 201, "web start, phone's call_id"
        )
        bridge = {"X-Telephony-Key": LOCAL_TELEPHONY_KEY}
        real = probe(
            F, _start(c, practice, "198.51.100.5", headers=bridge, **phone), 201, "the phone call arrives"
        )
        assert real.json()["session_id"] != squat.json()["session_id"]
        _end(c, squat)
        _end(c, real)


def test_phone_starts_need_the_telephony_key(sec_world: World) -> None:
    practice = sec_world.b.practice_id
    phone = {"channel": "phone", "audio_format": "mulaw/8000"}
    with sec_world.client() as c:
        probe(F, _start(c, practice, "198.51.100.3", **phone), 401, "phone start, no key")
        probe(
            F,
            _start(c, practice, "198.51.100.3", headers={"X-Telephony-Key": "x" * 40}, **phone),
            401,
            "phone start, wrong key",
        )
        ok = _start(c, practice, "198.51.100.3", headers={"X-Telephony-Key": LOCAL_TELEPHONY_KEY}, **phone)
        probe(F, ok, 201, "phone start with the integration's key")
        _end(c, ok)


def test_web_starts_are_limited_per_address_and_capped_per_practice(sec_world: World) -> None:
    practice = sec_world.a.practice_id
    with sec_world.client() as c:
        live = [probe("start-rate", _start(c, practice, "203.0.113.7"), 201) for _ in range(3)]
        limited = probe("start-rate", _start(c, practice, "203.0.113.7"), 429, "4th start in a minute")
        assert limited.json()["code"] == "too_many_calls" and int(limited.headers["retry-after"]) >= 1
        spoofed = _start(c, practice, "10.0.0.9, 203.0.113.7", headers={"X-Client-IP": "10.0.0.10"})
        probe("start-rate", spoofed, 429, "spoofed earlier hop and X-Client-IP")
        live.append(probe("start-rate", _start(c, practice, "203.0.113.8"), 201, "another address"))
        full = probe("call-cap", _start(c, practice, "203.0.113.9"), 429, "5th live call of the practice")
        assert full.json()["code"] == "too_many_calls"
        _end(c, live.pop())
        live.append(probe("call-cap", _start(c, practice, "203.0.113.9"), 201, "after one call ended"))
        for started in live:
            _end(c, started)
