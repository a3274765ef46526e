"""Finding 5: odd input gets a 4xx JSON problem, never a 500 — checked at the edge for every route.

Dates out of any sane range, bodies nested thousands deep, strings where numbers or booleans
belong, and numbers where dates belong.
"""

from __future__ import annotations

import httpx
import pytest
from apiworld import World
from probes import probe

F = "odd-input"
PATIENT = {"first_name": "Odd", "last_name": "Input", "dob": "1980-05-17", "phone": "+15555550123"}


def _problem(response: httpx.Response, status: int | str, note: str) -> None:
    probe(F, response, status, note)
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == response.status_code


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/appointments", {"day": "9999-12-31"}),
        ("/api/appointments", {"day": "0001-01-01"}),
        ("/api/calls", {"until": "9999-12-31"}),
        ("/api/calls", {"since": "9999-12-31"}),
        ("/api/patients", {"dob": "0"}),
        ("/api/patients", {"dob": "9999-12-31"}),
        ("/api/patients", {"name": "a", "page_size": "1.0"}),
        ("/api/calls", {"page_size": "+5"}),
        ("/api/appointments", {"include_cancelled": "yes"}),
    ],
)
def test_odd_query_values_are_400(sec_world: World, path: str, params: dict[str, str]) -> None:
    with sec_world.client() as c:
        r = c.get(path, params=params, headers=sec_world.a.staff.headers)
    _problem(r, 400, " ".join(f"{k}={v}" for k, v in params.items()))


@pytest.mark.parametrize(
    "body",
    [
        PATIENT | {"dob": 0},
        PATIENT | {"dob": "0"},
        PATIENT | {"dob": "1980-05-17T00:00:00"},
        PATIENT | {"dob": True},
        PATIENT | {"first_name": 7},
    ],
    ids=["dob=0", "dob='0'", "dob-datetime", "dob=true", "name=7"],
)
def test_odd_patient_bodies_are_400(sec_world: World, body: dict[str, object]) -> None:
    with sec_world.client() as c:
        r = c.post("/api/patients", json=body, headers=sec_world.a.staff.headers)
    _problem(r, 400, f"dob={body['dob']!r}")


def test_deeply_nested_and_oversized_bodies_are_refused_before_parsing(sec_world: World) -> None:
    headers = sec_world.a.staff.headers | {"Content-Type": "application/json"}
    with sec_world.client() as c:
        deep = b"[" * 5000 + b"]" * 5000
        _problem(c.post("/api/patients", content=deep, headers=headers), 400, "array nested 5,000 deep")
        objects = b'{"a":' * 5000 + b"1" + b"}" * 5000
        _problem(c.post("/api/patients", content=objects, headers=headers), 400, "object nested 5,000 deep")
        big = b'{"first_name": "' + b"x" * 1_100_000 + b'"}'
        _problem(c.post("/api/patients", content=big, headers=headers), 413, "1.1 MB body")
        r = c.post("/api/auth/login", content=deep, headers={"Content-Type": "application/json"})
        _problem(r, 400, "public route, 5,000 deep")
        r = c.post("/api/negotiate", content=objects, headers={"X-Session-Token": "t"})
        _problem(r, 400, "SignalR negotiate, 5,000 deep")


def test_strict_types_on_the_voice_wire(sec_world: World) -> None:
    with sec_world.client() as c:
        started = c.post("/api/voice/sessions", json={"practice_id": sec_world.a.practice_id})
        assert started.status_code == 201, started.text
        sid, token = started.json()["session_id"], started.json()["session_token"]
        url, caller = f"/api/voice/sessions/{sid}/audio", {"X-Session-Token": token}
        _problem(c.post(url, json={"seq": "0", "data": ""}, headers=caller), 400, 'seq: "0"')
        _problem(
            c.post(url, json={"seq": 0, "data": "", "final": "yes"}, headers=caller), 400, 'final: "yes"'
        )
        _problem(c.post(url, json={"seq": 0.0, "data": ""}, headers=caller), 400, "seq: 0.0")
        raw = caller | {"Content-Type": "application/octet-stream"}
        _problem(
            c.post(url, params={"seq": 0, "final": "yes"}, content=b"\0\0", headers=raw), 400, "?final=yes"
        )
        _problem(c.post(url, params={"seq": "1e3"}, content=b"\0\0", headers=raw), 400, "?seq=1e3")
        r = c.post(
            "/api/voice/sessions", json={"practice_id": sec_world.a.practice_id, "recording_consent": "yes"}
        )
        _problem(r, 400, 'recording_consent: "yes"')
        c.post(f"/api/voice/sessions/{sid}/end", headers=caller)
