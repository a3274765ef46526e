"""Practice isolation (OWASP API1 BOLA, HIPAA 312(a)(1)): a matrix generated from the route registry.

For every declared route that names a practice-owned resource in its path (``resource_param``),
staff (or an admin, for admin routes) of practice A call it with practice B's resource: the answer
must be 404, and practice B's data must be unchanged afterwards. Routes added later by other
engineers join the matrix automatically; a route whose resource kind has no practice-B example in
``World.foreign`` fails with a message saying what to add.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from apiworld import World, audit_entries

import function_app  # noqa: F401  (imports every blueprint, so the registry is complete)
from api.routes import ROUTES, RouteSpec

MATRIX = sorted((s for s in ROUTES.values() if s.resource_param), key=lambda s: (s.route, s.method))


def _example(spec: RouteSpec) -> dict[str, Any] | None:
    if spec.request is None:
        return None
    extra = spec.request.model_config.get("json_schema_extra") or {}
    examples = extra.get("examples") if isinstance(extra, dict) else None
    assert examples, f"{spec.method} {spec.route}: give {spec.request.__name__} a json_schema_extra example"
    return dict(examples[0])


def _path(spec: RouteSpec, world: World) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in world.foreign, (
            f"{spec.method} {spec.route}: add a practice-B {name!r} to World.foreign in tests/api/apiworld.py"
        )
        return world.foreign[name]

    return "/api/" + re.sub(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::[^}?]*)?\??\}", fill, spec.route)


def test_the_matrix_is_not_empty() -> None:
    kinds = {s.resource_param for s in MATRIX}
    assert {"patient_id", "appointment_id", "user_id", "message_id"} <= kinds


@pytest.mark.parametrize("spec", MATRIX, ids=lambda s: f"{s.method} {s.route}")
@pytest.mark.parametrize("role", ["staff", "admin"])
def test_foreign_resource_is_404(api_world: World, spec: RouteSpec, role: str) -> None:
    if spec.access in ("public", "signed"):
        pytest.fail(f"{spec.method} {spec.route} names a resource but is not behind a staff token")
    member = api_world.a.admin if role == "admin" or spec.access == "admin" else api_world.a.staff
    headers = member.headers | {h.name: "x" for h in spec.headers}
    with api_world.client() as c:
        r = c.request(spec.method, _path(spec, api_world), json=_example(spec), headers=headers)
    assert r.status_code == 404, (spec.method, spec.route, r.status_code, r.text)
    assert api_world.b.practice_id not in r.text


def test_practice_b_is_untouched_afterwards(api_world: World) -> None:
    b = api_world.b
    with api_world.client() as c:
        r = c.get(f"/api/patients/{api_world.foreign['patient_id']}", headers=b.staff.headers)
        assert r.status_code == 200
        r = c.get(f"/api/appointments/{api_world.foreign['appointment_id']}", headers=b.staff.headers)
        assert r.status_code == 200 and r.json()["status"] == "booked"
        r = c.post("/api/auth/validate-token", json={"token": b.staff.access_token})
        assert r.status_code == 200
        r = c.get("/api/messages", headers=b.staff.headers)
        assert [m["id"] for m in r.json()["items"]] == [api_world.foreign["message_id"]]
        assert r.json()["items"][0]["status"] == "open"


def test_lists_never_show_another_practice(api_world: World) -> None:
    with api_world.client() as c:
        for params in ({"patient_id": api_world.foreign["patient_id"]}, {}):
            r = c.get("/api/appointments", params=params, headers=api_world.a.staff.headers)
            assert r.status_code == 200
            assert all(not a["id"].startswith("b-") for a in r.json()["items"])
        r = c.get("/api/patients", params={"name": "a"}, headers=api_world.a.staff.headers)
        assert all(p["id"].startswith(("a-", "pat-")) for p in r.json()["items"])


def test_a_foreign_patient_read_is_audited_as_denied(api_world: World) -> None:
    foreign = api_world.foreign["patient_id"]
    with api_world.client() as c:
        assert c.get(f"/api/patients/{foreign}", headers=api_world.a.staff.headers).status_code == 404
    entries = audit_entries(api_world, api_world.a.practice_id, foreign)
    assert any(e["action"] == "read" and e["outcome"] == "denied" for e in entries)
    assert all(e["practice_id"] == api_world.a.practice_id for e in entries)
