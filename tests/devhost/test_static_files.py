"""The local host's static-files option: the built web app at /, the API untouched, SPA fallback."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from devhost.static_files import StaticFiles


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    site = tmp_path / "site"
    (site / "assets").mkdir(parents=True)
    (site / "index.html").write_text("<!doctype html><title>app</title>")
    (site / "assets" / "app-1234.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("outside")

    async def api(request: object) -> PlainTextResponse:
        return PlainTextResponse("api")

    app = Starlette(
        routes=[Route("/{path:path}", api, methods=["GET", "POST"])],
        middleware=[Middleware(StaticFiles, directory=site, route_prefix="api")],
    )
    return TestClient(app)


def test_files_and_spa_fallback(client: TestClient) -> None:
    index = client.get("/")
    assert index.status_code == 200 and "<title>app</title>" in index.text
    assert index.headers["cache-control"] == "no-cache"
    asset = client.get("/assets/app-1234.js")
    assert asset.headers["content-type"].startswith("text/javascript")
    assert "immutable" in asset.headers["cache-control"]
    deep = client.get("/calls/abc123")  # a client-side route
    assert deep.status_code == 200 and "<title>app</title>" in deep.text
    assert deep.headers["x-content-type-options"] == "nosniff"


def test_api_admin_and_writes_go_to_the_host(client: TestClient) -> None:
    assert client.get("/api/health").text == "api"
    assert client.get("/admin/host/status").text == "api"
    assert client.get("/runtime/webhooks/durabletask/instances").text == "api"
    assert client.post("/").text == "api"


def test_missing_files_and_escapes_are_404_not_the_app(client: TestClient) -> None:
    assert client.get("/assets/missing.js").status_code == 404
    assert client.get("/../secret.txt").text != "outside"
    assert client.get("/%2e%2e/secret.txt").text != "outside"


def test_an_unbuilt_app_says_so(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()

    async def api(request: object) -> PlainTextResponse:
        return PlainTextResponse("api")

    app = Starlette(
        routes=[Route("/{path:path}", api)],
        middleware=[Middleware(StaticFiles, directory=empty, route_prefix="api")],
    )
    answer = TestClient(app).get("/live")
    assert answer.status_code == 404 and "not built" in answer.text
