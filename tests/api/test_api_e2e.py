"""The staff API end to end through the local host: auth lifecycle, patients, appointments, audit.

Every request goes over real HTTP to the unmodified app; state is checked in the same embedded
store the app writes.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import jwt
import pytest
from apiworld import PASSWORD, World, audit_entries, login

from reddytalk.logs import RedactingJsonFormatter
from reddytalk.settings import Settings


def new_patient(client: httpx.Client, headers: dict[str, str], last: str = "Quinterro") -> dict[str, Any]:
    r = client.post(
        "/api/patients",
        json={"first_name": "Zyxwv", "last_name": last, "dob": "1961-02-03", "phone": "+15555550123"},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return r.json()


def next_weekday_10am(practice_tz: str, days_ahead: int = 3) -> datetime:
    zone = ZoneInfo(practice_tz)
    day = datetime.now(zone).date() + timedelta(days=days_ahead)
    while day.weekday() > 3:  # Mon-Thu: Dr. Patel sees patients 08:00-12:00
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=zone)


# --- auth ---------------------------------------------------------------------------------------


def test_register_login_validate_refresh_logout(api_world: World) -> None:
    with api_world.client() as c:
        r = c.post(
            "/api/auth/register",
            json={
                "practice_name": "Lifecycle Clinic",
                "practice_timezone": "America/Chicago",
                "practice_phone": "+13125550100",
                "practice_address": "1 Lake St",
                "email": "owner@lifecycle.test",
                "password": PASSWORD,
                "full_name": "Owner",
            },
        )
        assert r.status_code == 201, r.text
        assert r.headers["cache-control"] == "no-store"
        reg = r.json()
        assert reg["user"]["role"] == "admin"
        me = login(c, "owner@lifecycle.test", address="198.51.100.7")
        r = c.post("/api/auth/validate-token", json={"token": me.access_token})
        assert r.status_code == 200 and r.json()["practice_id"] == reg["user"]["practice_id"]
        r = c.post("/api/auth/refresh-token", json={"refresh_token": me.refresh_token})
        assert r.status_code == 200
        fresh = r.json()
        r = c.post("/api/auth/logout", headers={"Authorization": f"Bearer {fresh['access_token']}"})
        assert r.status_code == 200
        for token in (me.access_token, fresh["access_token"], reg["access_token"]):
            r = c.post("/api/auth/validate-token", json={"token": token})
            assert r.status_code == 401
            assert (
                c.get("/api/patients?name=a", headers={"Authorization": f"Bearer {token}"}).status_code == 401
            )
        r = c.post("/api/auth/refresh-token", json={"refresh_token": fresh["refresh_token"]})
        assert r.status_code == 401


def test_login_failures_are_uniform_then_locked_with_retry_after(api_world: World) -> None:
    with api_world.client() as c:
        bodies = []
        for email in (api_world.a.admin.email, "nobody-at-all@a.test"):
            r = c.post(
                "/api/auth/login",
                json={"email": email, "password": "not the password"},
                headers={"X-Forwarded-For": "203.0.113.50"},
            )
            assert r.status_code == 401
            body = r.json()
            body.pop("request_id")
            bodies.append(body)
        assert bodies[0] == bodies[1]
        for _ in range(5):
            c.post(
                "/api/auth/login",
                json={"email": "victim@a.test", "password": "not the password"},
                headers={"X-Forwarded-For": "203.0.113.51"},
            )
        r = c.post(
            "/api/auth/login",
            json={"email": "victim@a.test", "password": "not the password"},
            headers={"X-Forwarded-For": "203.0.113.52"},
        )
        assert r.status_code == 429
        assert 0 < int(r.headers["retry-after"]) <= 900


def test_refresh_race_over_http_has_one_winner(api_world: World) -> None:
    with api_world.client() as c:
        member = login(c, api_world.a.staff.email, address="192.0.2.77")
    results: list[int] = []

    def refresh() -> None:
        with httpx.Client(base_url=api_world.base_url, timeout=30.0) as client:
            r = client.post("/api/auth/refresh-token", json={"refresh_token": member.refresh_token})
            results.append(r.status_code)

    threads = [threading.Thread(target=refresh) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 401, 401, 401]


def test_staff_cannot_use_admin_routes(api_world: World) -> None:
    with api_world.client() as c:
        r = c.post("/api/auth/invites", json={"email": "x@a.test"}, headers=api_world.a.staff.headers)
        assert r.status_code == 403
        r = c.get("/api/auth/users", headers=api_world.a.staff.headers)
        assert r.status_code == 403
        r = c.get("/api/auth/users", headers=api_world.a.admin.headers)
        assert r.status_code == 200
        assert {u["email"] for u in r.json()["items"]} >= {api_world.a.admin.email, api_world.a.staff.email}
        assert all(u["practice_id"] == api_world.a.practice_id for u in r.json()["items"])
        assert "password_hash" not in r.text


def test_disabled_user_is_out_on_the_next_request(api_world: World) -> None:
    with api_world.client() as c:
        r = c.post("/api/auth/invites", json={"email": "temp@a.test"}, headers=api_world.a.admin.headers)
        code = r.json()["invite_code"]
        r = c.post(
            "/api/auth/register",
            json={"invite_code": code, "email": "temp@a.test", "password": PASSWORD, "full_name": "Temp"},
        )
        temp = r.json()
        headers = {"Authorization": f"Bearer {temp['access_token']}"}
        assert c.get("/api/appointments", headers=headers).status_code == 200
        r = c.post(f"/api/auth/users/{temp['user']['id']}/disable", headers=api_world.a.admin.headers)
        assert r.status_code == 200 and r.json()["status"] == "disabled"
        assert c.get("/api/appointments", headers=headers).status_code == 401
        r = c.post("/api/auth/refresh-token", json={"refresh_token": temp["refresh_token"]})
        assert r.status_code == 401


# --- mass assignment and input validation ----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "/api/auth/register",
            {
                "practice_name": "X",
                "practice_timezone": "UTC",
                "practice_phone": "+15550000000",
                "practice_address": "x",
                "email": "m@x.test",
                "password": PASSWORD,
                "full_name": "M",
                "role": "staff",
            },
        ),
        (
            "/api/auth/register",
            {
                "practice_name": "X",
                "practice_timezone": "UTC",
                "practice_phone": "+15550000000",
                "practice_address": "x",
                "email": "m@x.test",
                "password": PASSWORD,
                "full_name": "M",
                "practice_id": "a-practice",
            },
        ),
        ("/api/auth/login", {"email": "m@x.test", "password": PASSWORD, "user_id": "x"}),
    ],
)
def test_server_owned_fields_are_refused(api_world: World, path: str, body: dict[str, Any]) -> None:
    with api_world.client() as c:
        r = c.post(path, json=body)
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")


def test_patient_server_owned_fields_and_bad_values(api_world: World) -> None:
    h = api_world.a.staff.headers
    base = {"first_name": "A", "last_name": "B", "dob": "1990-01-01", "phone": "+15555550100"}
    with api_world.client() as c:
        for extra in (
            {"practice_id": api_world.b.practice_id},
            {"id": "pat-x"},
            {"created_at": "2020-01-01"},
        ):
            assert c.post("/api/patients", json=base | extra, headers=h).status_code == 400
        tomorrow = (date.today() + timedelta(days=1)).isoformat()
        for bad in (
            {"phone": "555-0100"},
            {"dob": tomorrow},
            {"dob": "1899-12-31"},
            {"first_name": "x" * 101},
        ):
            r = c.post("/api/patients", json=base | bad, headers=h)
            assert r.status_code == 400, bad
            assert "555-0100" not in r.text and "1899" not in r.text  # no input echoed back
        patient = new_patient(c, h)
        r = c.patch(
            f"/api/patients/{patient['id']}",
            json={"practice_id": api_world.b.practice_id},
            headers=h | {"If-Match": patient["etag"]},
        )
        assert r.status_code == 400


def test_oversized_malformed_and_wrong_type_bodies(api_world: World) -> None:
    h = api_world.a.staff.headers
    with api_world.client() as c:
        big = b'{"first_name": "' + b"a" * (1_100_000) + b'"}'
        r = c.post("/api/patients", content=big, headers=h | {"Content-Type": "application/json"})
        assert r.status_code == 413
        r = c.post("/api/patients", content=b"{not json", headers=h | {"Content-Type": "application/json"})
        assert r.status_code == 400
        r = c.post("/api/patients", content=b"first_name=a", headers=h | {"Content-Type": "text/plain"})
        assert r.status_code == 415
        r = c.post("/api/auth/login", content=b"[1, 2, 3]", headers={"Content-Type": "application/json"})
        assert r.status_code == 400
        for resp in (r,):
            assert "Traceback" not in resp.text


def test_page_size_is_capped(api_world: World) -> None:
    with api_world.client() as c:
        r = c.get(
            "/api/patients", params={"name": "a", "page_size": 10000}, headers=api_world.a.staff.headers
        )
        assert r.status_code == 400
        r = c.get("/api/patients", params={"name": "a", "bogus": "1"}, headers=api_world.a.staff.headers)
        assert r.status_code == 400


# --- patients -----------------------------------------------------------------------------------


def test_patient_crud_with_etags_and_audit(api_world: World) -> None:
    h = api_world.a.staff.headers
    with api_world.client() as c:
        created = new_patient(c, h, last="Etagson")
        pid = created["id"]
        r = c.get(f"/api/patients/{pid}", headers=h)
        assert r.status_code == 200
        etag = r.headers["etag"].strip('"')
        assert etag == created["etag"]
        r = c.patch(f"/api/patients/{pid}", json={"phone": "+15555550199"}, headers=h)
        assert r.status_code == 412  # If-Match is required
        r1 = c.patch(
            f"/api/patients/{pid}", json={"phone": "+15555550199"}, headers=h | {"If-Match": f'"{etag}"'}
        )
        assert r1.status_code == 200 and r1.json()["phone"] == "+15555550199"
        r2 = c.patch(
            f"/api/patients/{pid}", json={"phone": "+15555550100"}, headers=h | {"If-Match": f'"{etag}"'}
        )
        assert r2.status_code == 412  # the second writer read the same version: lost update refused
        assert c.get(f"/api/patients/{pid}", headers=h).json()["phone"] == "+15555550199"
        r = c.delete(f"/api/patients/{pid}", headers=h)
        assert r.status_code == 204
        assert c.get(f"/api/patients/{pid}", headers=h).status_code == 404
        found = c.get("/api/patients", params={"name": "etagson"}, headers=h).json()["items"]
        assert pid not in {p["id"] for p in found}
    entries = audit_entries(api_world, api_world.a.practice_id, pid)
    outcomes = [(e["action"], e["outcome"]) for e in sorted(entries, key=lambda e: e["time"])]
    assert ("create", "success") in outcomes and ("delete", "success") in outcomes
    assert outcomes.count(("read", "success")) == 2
    assert ("update", "success") in outcomes and ("update", "conflict") in outcomes
    text = json.dumps(entries)
    for phi in ("Zyxwv", "Etagson", "1961-02-03", "5555550199"):
        assert phi not in text
    assert all(e["actor_id"] == f"user:{api_world.a.staff.user_id}" for e in entries)


def test_one_read_is_one_audit_entry(api_world: World) -> None:
    h = api_world.a.staff.headers
    pid = api_world.a.data["patients"][1]["id"]
    before = len(audit_entries(api_world, api_world.a.practice_id, pid))
    with api_world.client() as c:
        assert c.get(f"/api/patients/{pid}", headers=h).status_code == 200
    after = audit_entries(api_world, api_world.a.practice_id, pid)
    assert len(after) == before + 1
    newest = max(after, key=lambda e: e["time"])
    assert newest["action"] == "read" and newest["purpose"] and newest["request_id"]


def test_search_by_name_dob_phone_paginated_and_masked(api_world: World) -> None:
    h = api_world.a.staff.headers
    with api_world.client() as c:
        ids = {new_patient(c, h, last=f"Pagerow{i}")["id"] for i in range(5)}
        seen: list[str] = []
        params: dict[str, Any] = {"name": "PAGEROW", "page_size": 2}
        while True:
            r = c.get("/api/patients", params=params, headers=h)
            assert r.status_code == 200
            page = r.json()
            assert len(page["items"]) <= 2
            seen += [p["id"] for p in page["items"]]
            if not page["continuation"]:
                break
            params["continuation"] = page["continuation"]
        assert set(seen) == ids and len(seen) == 5
        item = page["items"][0] if page["items"] else None
        if item:
            assert set(item) == {"id", "first_name", "last_name", "birth_year", "phone_last4"}
        demo = api_world.a.data["patients"][0]
        r = c.get("/api/patients", params={"dob": demo["dob"], "phone": demo["phone"]}, headers=h)
        assert [p["id"] for p in r.json()["items"]] == [demo["id"]]
        r = c.get("/api/patients", params={"name": demo["last_name"][:3]}, headers=api_world.b.staff.headers)
        assert all(p["id"].startswith("b-") for p in r.json()["items"])


# --- appointments -----------------------------------------------------------------------------------


def test_book_move_cancel_through_the_shared_booking_rules(api_world: World) -> None:
    h = api_world.a.staff.headers
    tz = api_world.a.data["practice"]["timezone"]
    patient = api_world.a.data["patients"][2]["id"]
    start = next_weekday_10am(tz, days_ahead=9)
    body = {
        "patient_id": patient,
        "provider_id": "dr-patel",
        "type_id": "follow-up",
        "start": start.isoformat(),
    }
    with api_world.client() as c:
        r = c.post("/api/appointments", json=body, headers=h | {"Idempotency-Key": "book-1"})
        assert r.status_code == 201, r.text
        appt = r.json()
        again = c.post("/api/appointments", json=body, headers=h | {"Idempotency-Key": "book-1"})
        assert again.status_code == 201 and again.json()["id"] == appt["id"]  # retried, not doubled
        clash = c.post("/api/appointments", json=body, headers=h | {"Idempotency-Key": "book-2"})
        assert clash.status_code == 409  # the slot is taken
        past = body | {
            "start": (datetime.now(UTC) - timedelta(days=1))
            .replace(minute=0, second=0, microsecond=0)
            .isoformat()
        }
        assert c.post("/api/appointments", json=past, headers=h).status_code == 400
        day = start.date().isoformat()
        listed = c.get("/api/appointments", params={"day": day, "provider_id": "dr-patel"}, headers=h).json()[
            "items"
        ]
        assert appt["id"] in {a["id"] for a in listed}
        by_patient = c.get("/api/appointments", params={"patient_id": patient}, headers=h).json()["items"]
        assert appt["id"] in {a["id"] for a in by_patient}
        later = (start + timedelta(hours=1)).isoformat()
        r = c.post(f"/api/appointments/{appt['id']}/move", json={"start": later}, headers=h)
        assert r.status_code == 200 and datetime.fromisoformat(r.json()["start"]) == start + timedelta(
            hours=1
        )
        r = c.post("/api/appointments", json=body, headers=h | {"Idempotency-Key": "book-3"})
        assert r.status_code == 201  # the old time was released by the move
        r = c.post(f"/api/appointments/{appt['id']}/cancel", headers=h)
        assert r.status_code == 200 and r.json()["status"] == "cancelled"
        assert c.post(f"/api/appointments/{appt['id']}/cancel", headers=h).status_code == 200
        r = c.get(f"/api/appointments/{appt['id']}", headers=h)
        assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert any(e["action"] == "create" for e in audit_entries(api_world, api_world.a.practice_id, appt["id"]))


def test_booking_another_practices_patient_is_404(api_world: World) -> None:
    tz = api_world.a.data["practice"]["timezone"]
    body = {
        "patient_id": api_world.foreign["patient_id"],
        "provider_id": "dr-patel",
        "type_id": "follow-up",
        "start": next_weekday_10am(tz, days_ahead=12).isoformat(),
    }
    with api_world.client() as c:
        r = c.post("/api/appointments", json=body, headers=api_world.a.staff.headers)
    assert r.status_code == 404


def test_a_soft_deleted_patient_cannot_be_booked(api_world: World) -> None:
    h = api_world.a.staff.headers
    tz = api_world.a.data["practice"]["timezone"]
    with api_world.client() as c:
        patient = new_patient(c, h, last="Gonebyson")
        assert c.delete(f"/api/patients/{patient['id']}", headers=h).status_code == 204
        body = {
            "patient_id": patient["id"],
            "provider_id": "dr-chen",
            "type_id": "sick-visit",
            "start": next_weekday_10am(tz, days_ahead=15).isoformat(),
        }
        assert c.post("/api/appointments", json=body, headers=h).status_code == 404


def test_no_phi_passwords_or_tokens_in_logs(api_world: World, caplog: pytest.LogCaptureFixture) -> None:
    """Canary (HIPAA B12 / ASVS 16.2.5): synthetic PHI and secrets never reach a formatted log line."""
    h = api_world.a.staff.headers
    caplog.set_level(logging.DEBUG)
    with api_world.client() as c:
        patient = new_patient(c, h, last="Qanary")
        c.get(f"/api/patients/{patient['id']}", headers=h)
        c.get("/api/patients", params={"name": "Qanary", "dob": "1961-02-03"}, headers=h)
        c.post("/api/auth/login", json={"email": "zyxwv.qanary@a.test", "password": "Canary-Password-123"})
        member = login(c, api_world.a.staff.email, address="192.0.2.200")
        c.post("/api/auth/refresh-token", json={"refresh_token": member.refresh_token})
    formatter = RedactingJsonFormatter()
    lines = "\n".join(formatter.format(r) for r in caplog.records)
    assert caplog.records, "the app logged nothing at all"
    for secret in (
        "Zyxwv",
        "Qanary",
        "1961-02-03",
        "5555550123",
        "Canary-Password-123",
        PASSWORD,
        member.access_token,
        member.refresh_token,
        "zyxwv.qanary",
    ):
        assert secret not in lines


def _forge(claims_over: dict[str, Any], *, key: str | None = None, alg: str = "HS256") -> str:
    secret = key or Settings.from_env({}).jwt_secret.get_secret_value()
    now = int(time.time())
    claims = {
        "iss": "reddytalk",
        "aud": "reddytalk-api",
        "sub": "x",
        "practice_id": "a-practice",
        "role": "admin",
        "token_use": "access",
        "ver": 0,
        "jti": "j",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    } | claims_over
    return jwt.encode(claims, secret, algorithm=alg)


def test_forged_tokens_are_refused_over_http(api_world: World) -> None:
    real = api_world.a.staff
    header, payload, signature = real.access_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    admin_payload = (
        base64.urlsafe_b64encode(json.dumps(claims | {"role": "admin"}).encode()).rstrip(b"=").decode()
    )
    none_header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    forged = {
        "alg none": f"{none_header}.{payload}.",
        "tampered role": f"{header}.{admin_payload}.{signature}",
        "wrong key": _forge({"sub": real.user_id}, key="an-attacker-secret-that-is-long-enough-0123456789"),
        "expired": _forge(
            {
                "sub": real.user_id,
                "iat": int(time.time()) - 2000,
                "nbf": int(time.time()) - 2000,
                "exp": int(time.time()) - 1200,
                "role": "staff",
                "practice_id": api_world.a.practice_id,
            }
        ),
        "wrong audience": _forge(
            {"sub": real.user_id, "aud": "signalr", "role": "staff", "practice_id": api_world.a.practice_id}
        ),
        # Right key and claims for a user that does not exist: the user check still refuses it.
        "unknown subject": _forge({"sub": "0" * 32, "practice_id": api_world.a.practice_id}),
        "other practice claim": _forge(
            {"sub": real.user_id, "role": "staff", "practice_id": api_world.b.practice_id}
        ),
    }
    with api_world.client() as c:
        for name, token in forged.items():
            r = c.get(
                f"/api/patients/{api_world.foreign['patient_id']}",
                headers={"Authorization": f"Bearer {token}"},
            )
            assert r.status_code == 401, name
            assert r.headers["www-authenticate"].startswith("Bearer")
        assert (
            c.post("/api/auth/invites", json={"email": "x@a.test"}, headers=real.headers).status_code == 403
        )


def test_two_simultaneous_patches_one_wins(api_world: World) -> None:
    h = api_world.a.staff.headers
    with api_world.client() as c:
        patient = new_patient(c, h, last="Racer")
    statuses: list[int] = []
    barrier = threading.Barrier(2)

    def patch(phone: str) -> None:
        with httpx.Client(base_url=api_world.base_url, timeout=30.0) as client:
            barrier.wait()
            r = client.patch(
                f"/api/patients/{patient['id']}",
                json={"phone": phone},
                headers=h | {"If-Match": patient["etag"]},
            )
            statuses.append(r.status_code)

    threads = [threading.Thread(target=patch, args=(p,)) for p in ("+15555550101", "+15555550102")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 412]


def test_spoofed_forwarded_hops_do_not_reset_the_address_limit(api_world: World) -> None:
    """Only the hop the platform appended counts; client-supplied earlier hops are ignored."""
    with api_world.client() as c:
        for i in range(20):
            r = c.post(
                "/api/auth/login",
                json={"email": f"spray{i}@a.test", "password": "not the password"},
                headers={"X-Forwarded-For": f"10.66.0.{i}, 203.0.113.99:5123"},
            )
            assert r.status_code == 401
        r = c.post(
            "/api/auth/login",
            json={"email": api_world.a.admin.email, "password": PASSWORD},
            headers={"X-Forwarded-For": "10.66.1.1, 203.0.113.99:6000"},
        )
        assert r.status_code == 429
