"""Small contracts of the engine's pure helpers."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from azure.durable_functions.models.DurableOrchestrationBindings import DurableOrchestrationBindings

from devhost.durable import replay
from devhost.durable.binding import client_binding
from devhost.durable.engine import timespan_seconds
from devhost.durable.events import parse_iso


def test_parse_iso_reads_dtfx_and_sdk_timestamps() -> None:
    expected = datetime(2024, 1, 1, 0, 0, 5, 123456, tzinfo=UTC)
    assert parse_iso("2024-01-01T00:00:05.1234567Z") == expected
    assert parse_iso("2024-01-01T00:00:05.123456Z") == expected
    assert parse_iso("2024-01-01T02:00:05.123456+02:00") == expected
    assert parse_iso("2024-01-01T00:00:05Z") == expected.replace(microsecond=0)
    with pytest.raises(ValueError):
        parse_iso("yesterday")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("00:10:00", 600), ("00:00:00.2", 0.2), ("1.02:00:00", 93600), ("00:30:00", 1800)],
)
def test_function_timeout_timespans(text: str, seconds: float) -> None:
    assert timespan_seconds(text) == pytest.approx(seconds)


def test_flatten_walks_compound_actions_depth_first_in_order() -> None:
    actions = [
        [
            {"actionType": 0, "functionName": "a"},
            {
                "actionType": 12,
                "compoundActions": [
                    {"actionType": 5, "fireAt": "x"},
                    {"actionType": 11, "compoundActions": [{"actionType": 6}, {"actionType": 7}]},
                ],
            },
            {"actionType": 9},
        ]
    ]
    assert [a["actionType"] for a in replay.flatten(actions)] == [0, 5, 6, 7, 9]


def test_client_binding_is_read_by_the_sdk() -> None:
    binding = DurableOrchestrationBindings.from_json(
        json.dumps(client_binding("http://127.0.0.1:7071", "Hub", system_key="K123"))
    )
    # the SDK adds paths only to rpcBaseUrl, so the key is a path segment there (devhost/guard.py)
    assert binding.rpc_base_url == "http://127.0.0.1:7071/runtime/webhooks/durabletask/rpc/K123/"
    assert binding.task_hub_name == "Hub"
    status_url = binding.management_urls["statusQueryGetUri"]
    assert status_url.startswith(
        "http://127.0.0.1:7071/runtime/webhooks/durabletask/instances/INSTANCEID?taskHub=Hub"
    )
    assert status_url.endswith("&code=K123")  # as Azure hands them out: the URLs carry the key
    assert binding.creation_urls["createNewInstancePostUri"].endswith("?code=K123")
    assert binding.client_data.requiredQueryStringParameters == "code=K123"


def test_the_engine_and_the_http_api_do_not_import_each_other() -> None:
    """The engine's parts and its routes have one direction each (issue 17: there was an import circle)."""
    code = (
        "import sys, devhost.durable.engine; assert 'devhost.durable.api' not in sys.modules;"
        "import devhost.durable.api; print('ok')"
    )
    api_first = (
        "import sys, devhost.durable.api; assert 'devhost.durable.engine' not in sys.modules; print('ok')"
    )
    for source in (code, api_first):
        done = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, timeout=60)
        assert done.stdout.strip() == "ok", done.stderr
