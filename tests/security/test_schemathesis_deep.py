"""A deeper, randomised schemathesis run over the OpenAPI document: valid *and* invalid input
(positive and negative generation), more cases per operation, Hypothesis' health checks left on,
and a fixed seed so a failure replays. Checked: no 5xx, every status documented, responses conform.

The run signs in as the admin of a practice made for it (``POST /api/auth/logout`` is left out: it
would revoke that token mid-run). Its requests go through the test's front end from one address.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import httpx
import pytest
import schemathesis
from apiworld import PASSWORD, World
from hypothesis import settings
from probes import NOTES
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import function_app  # noqa: F401  (imports every blueprint, so the registry is complete)
from api.openapi import build_openapi

SEED = 20261202
EXAMPLES_PER_OPERATION = 40
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
HOST_ENV = {
    "TRUSTED_PROXY_HOPS": "1",
    "WEB_CALL_STARTS_PER_MINUTE": "10000",
    "MAX_CONCURRENT_CALLS": "100000",
}
SENT: list[str] = []
STATUSES: dict[int, int] = {}

schema = schemathesis.openapi.from_dict(build_openapi())
schema.config.seed = SEED
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=EXAMPLES_PER_OPERATION
)


@pytest.fixture(scope="module")
def fuzz_headers(sec_world: World) -> dict[str, str]:
    with httpx.Client(base_url=sec_world.base_url, timeout=30.0) as c:
        r = c.post(
            "/api/auth/register",
            json={
                "practice_name": "Deep Fuzz Clinic",
                "practice_timezone": "UTC",
                "practice_phone": "+15550003333",
                "practice_address": "0 Deep Fuzz Way",
                "email": "deep-fuzz@fuzz.test",
                "password": PASSWORD,
                "full_name": "Deep Fuzz",
            },
        )
        assert r.status_code == 201, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}", "X-Forwarded-For": "192.0.2.200"}


@schema.exclude(path="/api/auth/logout").parametrize()
@settings(deadline=None, database=None)
def test_openapi_contract_deep(case: Any, fuzz_headers: dict[str, str], sec_world: World) -> None:
    if not all(unquote(str(v)).isprintable() for v in (case.path_parameters or {}).values()):
        # The local host's router cannot match path values with control characters (its own 404).
        return
    SENT.append(f"{case.method} {case.path}")
    response = case.call(base_url=sec_world.base_url, headers=fuzz_headers)
    STATUSES[response.status_code] = STATUSES.get(response.status_code, 0) + 1
    case.validate_response(response, checks=CHECKS)


def test_the_deep_run_reached_every_operation() -> None:
    operations = {
        (method.upper(), path) for path, item in build_openapi()["paths"].items() for method in item
    }
    operations.discard(("POST", "/api/auth/logout"))
    assert operations <= {tuple(s.split(" ", 1)) for s in SENT}
    NOTES.append(
        f"schemathesis (deep): {len(SENT)} cases, seed {SEED}, statuses {dict(sorted(STATUSES.items()))}"
    )
    assert not any(status >= 500 for status in STATUSES)
    assert len(SENT) >= 20 * len(operations), len(SENT)
