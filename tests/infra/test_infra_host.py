"""host.json and the function metadata are what the real Functions host accepts.

The host indexes ``app.get_functions()`` at start-up and refuses (or silently drops) functions with
unknown binding types, wrong directions, duplicate names or clashing routes; a bad extension bundle
range or host.json version stops the whole app. None of that shows on the local host, so it is
checked here, from the same metadata the worker sends.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from bicep_reader import ROOT

from devhost.functions import FunctionIndex, load_app

HOST = json.loads((ROOT / "host.json").read_text())

# Binding types of the bundle the app uses, with the directions the host accepts for each.
BINDING_DIRECTIONS = {
    "httpTrigger": {"IN"},
    "http": {"OUT"},
    "orchestrationTrigger": {"IN"},
    "activityTrigger": {"IN"},
    "entityTrigger": {"IN"},
    "durableClient": {"IN"},
    "queueTrigger": {"IN"},
    "queue": {"OUT"},
    "timerTrigger": {"IN"},
    "blobTrigger": {"IN"},
    "blob": {"IN", "OUT", "INOUT"},
    "table": {"IN", "OUT"},
    "signalRConnectionInfo": {"IN"},
    "signalR": {"OUT"},
    "signalRTrigger": {"IN"},
    "cosmosDBTrigger": {"IN"},
    "cosmosDB": {"IN", "OUT"},
    "eventGridTrigger": {"IN"},
}
TRIGGERS = {t for t in BINDING_DIRECTIONS if t.endswith("Trigger")}
HTTP_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"}
AUTH_LEVELS = {"ANONYMOUS", "FUNCTION", "ADMIN"}
# Function names: a letter, then letters, digits, '_' or '-', at most 128 characters.
FUNCTION_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,127}$")
BINDING_NAME = re.compile(r"^(\$return|[A-Za-z_][A-Za-z0-9_]*)$")
# Route templates: literal segments and {parameter}, {parameter:constraint}, {parameter?} or {*catchall}.
_PART = r"(?:[A-Za-z0-9_.\-]+|\{\*?[A-Za-z_][A-Za-z0-9_]*(?::[A-Za-z0-9()]+)*\??\})+"
ROUTE = re.compile(rf"{_PART}(?:/{_PART})*")
# Route prefixes the host keeps for itself (admin API, durable/webhook endpoints).
RESERVED_ROUTES = ("admin", "runtime")


@pytest.fixture(scope="module")
def index() -> FunctionIndex:
    return load_app(Path(ROOT))


def functions(index: FunctionIndex) -> list[Any]:
    return list(index.functions.values())


def test_host_json_is_version_2() -> None:
    assert HOST["version"] == "2.0"


def parse_bundle_range(spec: str) -> tuple[tuple[int, ...], bool, tuple[int, ...], bool]:
    """Interval notation of an extension bundle range: '[4.*, 5.0.0)' -> lower, inclusive, upper, inclusive."""
    match = re.fullmatch(r"\s*([\[(])\s*([0-9.*]+)\s*,\s*([0-9.*]+)\s*([\])])\s*", spec)
    if not match:
        raise ValueError(f"not an interval: {spec!r}")

    def version(raw: str) -> tuple[int, ...]:
        parts = raw.split(".")
        if any(p != "*" and not p.isdigit() for p in parts) or "*" in parts[:-1]:
            raise ValueError(f"bad version {raw!r}")
        return tuple(int(p) for p in parts if p != "*")

    lower, upper = version(match[2]), version(match[3])
    if not lower < upper:
        raise ValueError(f"empty range {spec!r}")
    return lower, match[1] == "[", upper, match[4] == "]"


def test_the_extension_bundle_range_is_valid_and_on_bundle_4() -> None:
    bundle = HOST["extensionBundle"]
    assert bundle["id"] == "Microsoft.Azure.Functions.ExtensionBundle"
    lower, _, upper, _ = parse_bundle_range(bundle["version"])
    # The Python v2 model with Durable Functions 1.7 and Flex Consumption need bundle 4.x.
    assert lower[0] == 4
    assert upper <= (5, 0, 0)


@pytest.mark.parametrize("bad", ["4.*", "[4.*, 5.0.0", "[5.0.0, 4.*)", "[4.x, 5.0.0)", "[*.4, 5.0.0)"])
def test_the_bundle_range_check_rejects_malformed_ranges(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_bundle_range(bad)


def test_function_timeout_is_a_valid_timespan_within_the_plan_limits() -> None:
    match = re.fullmatch(r"(\d{2}):(\d{2}):(\d{2})", HOST["functionTimeout"])
    assert match, HOST["functionTimeout"]
    seconds = int(match[1]) * 3600 + int(match[2]) * 60 + int(match[3])
    # Flex Consumption and Premium allow longer; 10 minutes keeps the app portable to Consumption.
    assert 0 < seconds <= 600


def test_function_names_are_valid_and_unique(index: FunctionIndex) -> None:
    names = [f.name for f in functions(index)]
    assert names, "the app registers no functions"
    for name in names:
        assert FUNCTION_NAME.match(name), name
    duplicates = [n for n, count in Counter(n.lower() for n in names).items() if count > 1]
    assert duplicates == []


def test_bindings_have_known_types_directions_and_names(index: FunctionIndex) -> None:
    for info in functions(index):
        triggers = [b for b in info.bindings if b["type"] in TRIGGERS]
        assert len(triggers) == 1, f"{info.name} has {len(triggers)} triggers"
        names = [b["name"] for b in info.bindings]
        assert len(names) == len(set(names)), f"{info.name} repeats a binding name"
        for binding in info.bindings:
            kind = binding["type"]
            assert kind in BINDING_DIRECTIONS, f"{info.name}: unknown binding type {kind}"
            assert binding["direction"].upper() in BINDING_DIRECTIONS[kind], (info.name, kind)
            assert BINDING_NAME.match(binding["name"]), (info.name, binding["name"])


def test_http_routes_are_unique_per_method_and_not_reserved(index: FunctionIndex) -> None:
    seen: dict[tuple[str, str], str] = {}
    for info in functions(index):
        for binding in info.bindings_of("httpTrigger"):
            route = (binding.get("route") or info.name).strip("/")
            assert ROUTE.fullmatch(route), (info.name, route)
            assert not route.split("/")[0].lower().startswith(RESERVED_ROUTES), (info.name, route)
            assert str(binding.get("authLevel", "FUNCTION")).upper() in AUTH_LEVELS
            methods = [m.upper() for m in binding.get("methods") or sorted(HTTP_METHODS)]
            assert set(methods) <= HTTP_METHODS, (info.name, methods)
            # Parameters match any segment, so routes that differ only in parameter names clash.
            shape = re.sub(r"\{[^}]*\}", "{}", route.lower())
            for method in methods:
                other = seen.setdefault((method, shape), info.name)
                assert other == info.name, f"{method} {route}: {other} and {info.name}"


def test_timer_schedules_are_six_field_cron(index: FunctionIndex) -> None:
    for info in functions(index):
        for binding in info.bindings_of("timerTrigger"):
            schedule = binding["schedule"]
            assert schedule.startswith("%") or len(schedule.split()) == 6, (info.name, schedule)


def test_durable_functions_have_their_triggers(index: FunctionIndex) -> None:
    kinds = Counter(f.trigger_type for f in functions(index))
    assert kinds["orchestrationTrigger"] >= 1
    assert kinds["activityTrigger"] >= 1
    clients = [f for f in functions(index) if f.bindings_of("durableClient")]
    assert clients, "nothing starts an orchestration"
