"""Property-based run of schemathesis over ``/api/openapi.json`` against the local host (bounded).

Each operation gets a few generated cases (a few hundred in all), sent with a valid token of a
practice made for this run. Checked: no 5xx, every status documented, content types and bodies
conform to the document. ``POST /api/auth/logout`` is left out: it would revoke the token the rest
of the run uses (the lifecycle tests cover it).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import httpx
import pytest
import schemathesis
from apiworld import PASSWORD, World
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import function_app  # noqa: F401  (imports every blueprint, so the registry is complete)
from api.openapi import build_openapi

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 5
SENT: list[str] = []


@pytest.fixture(scope="module")
def fuzz_headers(api_world: World) -> dict[str, str]:
    with httpx.Client(base_url=api_world.base_url, timeout=30.0) as c:
        r = c.post(
            "/api/auth/register",
            json={
                "practice_name": "Fuzz Clinic",
                "practice_timezone": "UTC",
                "practice_phone": "+15550001111",
                "practice_address": "0 Fuzz Way",
                "email": "fuzz-admin@fuzz.test",
                "password": PASSWORD,
                "full_name": "Fuzz Admin",
            },
        )
        assert r.status_code == 201, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}


# The document the host serves at /api/openapi.json is this one (test_api_openapi checks they are
# equal); it is built at import because schemathesis parametrizes at collection time.
schema = schemathesis.openapi.from_dict(build_openapi())


@schema.exclude(path="/api/auth/logout").parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_openapi_contract(case: Any, fuzz_headers: dict[str, str], api_world: World) -> None:
    if not all(unquote(str(v)).isprintable() for v in (case.path_parameters or {}).values()):
        # Path values with line breaks or other control characters never reach the app: the local
        # host's router (Starlette ``{path:path}``) cannot match them and answers with its own
        # plain-text 404. A host limitation (reported to the local-host owner), not app behaviour.
        return
    SENT.append(f"{case.method} {case.path}")
    response = case.call(base_url=api_world.base_url, headers=fuzz_headers)
    case.validate_response(response, checks=CHECKS)


def test_the_run_was_not_vacuous() -> None:
    """Runs after the contract test (file order): a few hundred cases reached every operation."""
    operations = {
        (method.upper(), path) for path, item in build_openapi()["paths"].items() for method in item
    }
    operations.discard(("POST", "/api/auth/logout"))
    assert operations <= {tuple(s.split(" ", 1)) for s in SENT}
    print(f"schemathesis cases sent: {len(SENT)}")
    assert len(SENT) >= 150, len(SENT)
