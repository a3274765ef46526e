"""HTTP triggers on the local host: routing, request/response conversion, errors, start-up checks."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from devhost import http_trigger
from devhost.host import HostStartError, HostThread, LocalHost

APPS = Path(__file__).parent / "apps"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostThread]:
    app = tmp_path_factory.mktemp("http_app")
    shutil.copytree(APPS / "http_app", app, dirs_exist_ok=True)
    (app / "local.settings.json").write_text(
        json.dumps(
            {
                "IsEncrypted": False,
                "Values": {"FROM_LOCAL": "local", "OVERRIDDEN": "local"},
                "Host": {"CORS": "http://portal.example", "CORSCredentials": True},
            }
        )
    )
    handle = LocalHost(
        app, tmp_path_factory.mktemp("state"), port=0, env={"OVERRIDDEN": "explicit"}
    ).run_in_thread()
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def client(host: HostThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=host.base_url, timeout=10) as c:
        yield c


def test_route_params_query_headers_and_url_reach_a_sync_function(client: httpx.Client) -> None:
    r = client.get(
        "/v1/items/42", params=[("a", "1"), ("a", "2"), ("b", "x y")], headers={"X-Trace-Id": "T1"}
    )
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["kind"] == "sync-get"
    assert body["route"] == {"id": "42"}
    assert body["query"] == {"a": "1,2", "b": "x y"}
    assert body["trace"] == "T1"  # header lookup is case-insensitive
    assert body["url"].startswith(f"{client.base_url}/v1/items/42?")


def test_constraints_and_literal_precedence_pick_the_right_function(client: httpx.Client) -> None:
    assert client.get("/v1/items/latest").json()["kind"] == "literal"
    slug = client.get("/v1/items/abc").json()
    assert slug["kind"] == "slug" and slug["route"] == {"slug": "abc"}
    assert client.get("/v1/ITEMS/7").json()["route"] == {"id": "7"}  # literals match case-insensitively
    missing = client.get("/v1/items/abc1")  # neither int nor alpha
    assert missing.status_code == 404
    assert missing.json()["error"] == "not found"
    assert client.get("/v1/items/99999999999").status_code == 404  # out of int range


def test_methods_select_async_function_and_others_get_405(client: httpx.Client) -> None:
    r = client.put("/v1/items/5", content=b"new name")
    assert r.json()["kind"] == "async-change"
    assert r.json()["method"] == "PUT"
    assert r.json()["body"] == "new name"
    assert client.delete("/v1/items/5").json()["method"] == "DELETE"
    refused = client.post("/v1/items/5")
    assert refused.status_code == 405
    assert refused.headers["allow"] == "DELETE, GET, PUT"


def test_binary_body_status_headers_and_mimetype_round_trip(client: httpx.Client) -> None:
    payload = bytes(range(256)) * 4
    r = client.post("/v1/echo", content=payload, headers={"Content-Type": "audio/wav"})
    assert r.status_code == 201
    assert r.content == payload
    assert r.headers["x-echo-type"] == "audio/wav"
    assert r.headers["content-type"] == "application/octet-stream"


def test_get_json_works_on_request_body(client: httpx.Client) -> None:
    assert client.post("/v1/json", json={"numbers": [1, 2, 3.5]}).json() == {"sum": 6.5}


def test_catch_all_and_optional_parameters(client: httpx.Client) -> None:
    assert client.get("/v1/files/a/b/c.txt").json()["route"] == {"path": "a/b/c.txt"}
    assert client.get("/v1/files").json()["route"] == {}
    assert client.get("/v1/greet").text == "hello stranger"
    assert client.get("/v1/greet/ada").text == "hello ada"


def test_string_return_cookies_and_default_route(client: httpx.Client) -> None:
    plain = client.get("/v1/plain")
    assert (plain.status_code, plain.text) == (200, "just a string")
    assert plain.headers["content-type"].startswith("text/plain")
    cookie = client.get("/v1/cookie")
    assert "session=abc" in cookie.headers["set-cookie"]
    assert cookie.headers["content-type"] == "text/plain; charset=utf-8"
    assert client.get("/v1/namedbyfunction").text == "named"  # route defaults to the function name


@pytest.mark.parametrize("path", ["/v1/boom", "/v1/async-boom"])
def test_unhandled_exception_is_a_500_without_details(client: httpx.Client, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 500
    assert r.json()["error"] == "internal server error"
    assert "secret" not in r.text and "Traceback" not in r.text
    assert client.get("/v1/plain").status_code == 200  # the host keeps serving


def test_unknown_routes_and_paths_outside_the_prefix_are_404_json(client: httpx.Client) -> None:
    for path in ("/v1/nope", "/api/items/1", "/", "/v1/items/1/extra"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert r.json()["error"] == "not found"


def test_body_over_the_limit_is_413(client: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http_trigger, "MAX_BODY_BYTES", 1000)
    r = client.post("/v1/echo", content=b"x" * 1001)
    assert r.status_code == 413
    assert client.post("/v1/echo", content=b"x" * 1000).status_code == 201


def test_settings_local_then_environment_then_explicit(client: httpx.Client, host: HostThread) -> None:
    assert os.environ["FROM_LOCAL"] == "local"
    assert os.environ["OVERRIDDEN"] == "explicit"
    key = {"x-functions-key": host.system_key}
    assert client.get("/admin/host/status", headers=key).json() == {"state": "Running"}
    names = {f["name"] for f in client.get("/admin/functions", headers=key).json()}
    assert {"get_item", "echo", "NamedByFunction"} <= names


def test_cors_from_local_settings_host_section(client: httpx.Client) -> None:
    preflight = client.options(
        "/v1/json",
        headers={"Origin": "http://portal.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "http://portal.example"
    assert preflight.headers["access-control-allow-credentials"] == "true"
    simple = client.get("/v1/plain", headers={"Origin": "http://portal.example"})
    assert simple.headers["access-control-allow-origin"] == "http://portal.example"
    other = client.get("/v1/plain", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in other.headers


async def test_settings_are_restored_after_stop(tmp_path: Path) -> None:
    assert "FROM_LOCAL" not in os.environ or os.environ["FROM_LOCAL"] == "local"
    app = tmp_path / "app"
    shutil.copytree(APPS / "http_app", app)
    (app / "local.settings.json").write_text(json.dumps({"Values": {"DEVHOST_ONLY_SETTING": "1"}}))
    async with LocalHost(app, tmp_path / "state", port=0):
        assert os.environ["DEVHOST_ONLY_SETTING"] == "1"
    assert "DEVHOST_ONLY_SETTING" not in os.environ


async def test_route_conflict_fails_at_start_naming_both_functions(tmp_path: Path) -> None:
    host = LocalHost(APPS / "conflict_app", tmp_path, port=0)
    with pytest.raises(HostStartError) as info:
        await host.start()
    assert "first" in str(info.value) and "second" in str(info.value)


def test_cli_lists_functions_and_stops_on_sigint(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "devhost", "start", "--script-root", str(APPS / "http_app")]
    command += ["--port", "0", "--state", str(tmp_path / "state")]
    with subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    ) as proc:
        try:
            assert proc.stdout is not None
            lines = []
            for line in proc.stdout:
                lines.append(line.rstrip())
                if line.startswith("Host started at"):
                    break
            output = "\n".join(lines)
            assert "get_item: [GET] http://127.0.0.1:" in output and "/v1/items/{id:int}" in output
            base = lines[-1].removeprefix("Host started at ").strip()
            assert httpx.get(f"{base}/v1/greet/cli", timeout=10).text == "hello cli"
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=20) == 0
            assert "Stopping the host" in proc.stdout.read()
        finally:
            if proc.poll() is None:
                proc.kill()


async def test_durable_client_binding_starts_an_orchestration_through_http(tmp_path: Path) -> None:
    app = APPS / "durable_basics"
    async with LocalHost(app, tmp_path / "state", port=0) as host, httpx.AsyncClient(timeout=10) as client:
        r = await client.post(f"{host.base_url}/api/start/chain", json=["Tokyo", "Lima"])
        assert r.status_code == 202
        urls = r.json()
        assert r.headers["location"] == urls["statusQueryGetUri"]
        assert urls["statusQueryGetUri"].startswith(
            f"{host.base_url}/runtime/webhooks/durabletask/instances/"
        )
        for _ in range(200):
            status = (await client.get(urls["statusQueryGetUri"])).json()
            if status["runtimeStatus"] in ("Completed", "Failed"):
                break
            await asyncio.sleep(0.05)
        assert status["runtimeStatus"] == "Completed"
        assert status["output"] == ["Hello Tokyo!", "Hello Lima!"]
