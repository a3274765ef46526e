"""The OpenAPI document and the route registry stay in step with the app's registered functions."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from apiworld import ROOT

from api.openapi import build_openapi
from api.routes import ROUTES
from devhost.functions import load_app
from reddytalk.auth.rbac import ACCESS_LEVELS

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


@functools.cache
def _registered() -> frozenset[tuple[str, str]]:
    """(route, METHOD) of every HTTP function, indexed from a fresh load of ``function_app.py``.

    A fresh load (as the host does it) because ``app.get_functions()`` may run only once per app.
    """
    index = load_app(ROOT)
    return frozenset(
        (str(f.trigger["route"]), str(method).upper())
        for f in index.of_type("httpTrigger")
        for method in f.trigger.get("methods") or []
    )


def test_every_registered_http_route_is_declared() -> None:
    missing = _registered() - set(ROUTES)
    assert not missing, (
        f"HTTP routes without a declaration: {sorted(missing)}. "
        "Use api.routes.endpoint(...) or put api.routes.describe(...) above bp.route (see api/routes.py)."
    )


def test_every_declaration_is_registered() -> None:
    stale = set(ROUTES) - _registered()
    assert not stale, f"declared but not registered in function_app.py: {sorted(stale)}"


def test_every_route_declares_an_access_level() -> None:
    for spec in ROUTES.values():
        assert spec.access in ACCESS_LEVELS


def test_the_document_covers_every_route_with_models() -> None:
    doc = build_openapi()
    assert doc["openapi"].startswith("3.1")
    ops = {
        (path, method.upper())
        for path, item in doc["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    assert ops == {(s.openapi_path, s.method) for s in ROUTES.values()}
    login = doc["paths"]["/api/auth/login"]["post"]
    ref = login["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"email", "password"}
    patch = doc["paths"]["/api/patients/{patient_id}"]["patch"]
    assert patch["security"] == [{"bearerAuth": []}]
    assert {"412", "404", "401", "403"} <= set(patch["responses"])
    assert any(p["name"] == "If-Match" and p["required"] for p in patch["parameters"])
    search = doc["paths"]["/api/patients"]["get"]
    page_size = next(p for p in search["parameters"] if p["name"] == "page_size")
    assert page_size["schema"]["maximum"] == 100


def test_no_route_can_change_audit_entries() -> None:
    for spec in ROUTES.values():
        if "audit" in spec.route:
            assert spec.method == "GET", spec


def _walk(node: Any) -> list[str]:
    refs = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                refs.append(value)
            else:
                refs += _walk(value)
    elif isinstance(node, list):
        for value in node:
            refs += _walk(value)
    return refs


def test_every_reference_resolves() -> None:
    doc = build_openapi()
    names = set(doc["components"]["schemas"])
    for ref in _walk(doc):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in names, ref


@pytest.mark.parametrize("path", ["/api/openapi.json", "/api/docs"])
def test_served_over_http(api_world: Any, path: str) -> None:
    with api_world.client() as c:
        r = c.get(path)
    assert r.status_code == 200
    if path.endswith(".json"):
        assert r.json()["paths"].keys() == build_openapi()["paths"].keys()
    else:
        assert "openapi.json" in r.text and r.headers["content-type"].startswith("text/html")
