"""The local host guards its management and admin routes like Azure: a system key, a Host check.

Issue 19, item 2: without the key anyone (including any web page, cross-site) could read every call's
history, terminate calls, purge, start orchestrations and signal entities.
"""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import azure.durable_functions as df
import httpx
from durable_harness import APPS, Harness

from devhost.host import LocalHost
from devhost.system_key import key_file, read_system_key

REPO = Path(__file__).resolve().parents[3]
API = "/runtime/webhooks/durabletask"

# every route of the Durable HTTP API and the admin API, with the method it answers to
MANAGEMENT_ROUTES = [
    ("POST", f"{API}/orchestrators/chain"),
    ("POST", f"{API}/orchestrators/chain/new-id"),
    ("GET", f"{API}/instances"),
    ("GET", f"{API}/instances/"),
    ("DELETE", f"{API}/instances?createdTimeFrom=2000-01-01T00:00:00Z"),
    ("DELETE", f"{API}/instances/?createdTimeFrom=2000-01-01T00:00:00Z"),
    ("GET", f"{API}/instances/victim"),
    ("DELETE", f"{API}/instances/victim"),
    ("POST", f"{API}/instances/victim/raiseEvent/go"),
    ("POST", f"{API}/instances/victim/terminate"),
    ("POST", f"{API}/instances/victim/suspend"),
    ("POST", f"{API}/instances/victim/resume"),
    ("POST", f"{API}/instances/victim/rewind"),
    ("POST", f"{API}/instances/victim/restart"),
    ("GET", f"{API}/entities/Counter"),
    ("GET", f"{API}/entities/Counter/k"),
    ("POST", f"{API}/entities/Counter/k?op=add"),
    ("DELETE", f"{API}/entities/Counter/k"),
    ("GET", "/admin/host/status"),
    ("GET", "/admin/functions"),
]


async def start_victim(host: Harness, http: httpx.AsyncClient) -> None:
    r = await http.post(f"{API}/orchestrators/waiter/victim", headers=host.key_header)
    assert r.status_code == 202
    await host.wait("victim", statuses={"Running"})


async def test_every_management_route_without_the_key_is_401_and_changes_nothing(host: Harness) -> None:
    async with httpx.AsyncClient(base_url=host.base_url, timeout=10) as http:
        await start_victim(host, http)
        for method, path in MANAGEMENT_ROUTES:
            for headers in ({}, {"x-functions-key": "wrong"}):
                r = await http.request(method, path, headers=headers, json={"x": 1})
                assert r.status_code == 401, (method, path, headers)
                assert r.json()["error"] == "unauthorized"
            wrong_code = path + ("&" if "?" in path else "?") + "code=wrong"
            assert (await http.request(method, wrong_code)).status_code == 401, (method, path)
        assert host.engine.get_row("victim").status == "Running"  # type: ignore[union-attr]
        assert host.engine.get_row("new-id") is None


async def test_every_management_route_with_the_key_works(host: Harness) -> None:
    async with httpx.AsyncClient(base_url=host.base_url, timeout=10) as http:
        await start_victim(host, http)
        for method, path in MANAGEMENT_ROUTES:
            r = await http.request(method, path, headers=host.key_header, json={"x": 1})
            assert r.status_code not in (401, 403, 421), (method, path, r.status_code)
            assert r.status_code < 500, (method, path, r.text)
        by_code = await http.get(f"{API}/instances/", params={"code": host.system_key})
        assert by_code.status_code == 200 and isinstance(by_code.json(), list)


async def test_a_foreign_host_header_is_refused_even_with_the_key(host: Harness) -> None:
    """A DNS-rebinding page reaches 127.0.0.1 under its own name; the host answers only its own names."""
    async with httpx.AsyncClient(base_url=host.base_url, timeout=10) as http:
        port = httpx.URL(host.base_url).port
        for path in (f"{API}/instances", "/admin/host/status", "/api/start/chain"):
            r = await http.get(path, headers={**host.key_header, "Host": f"rebind.example:{port}"})
            assert r.status_code == 421, path
            assert "Host" in r.json()["message"]
        for name in ("127.0.0.1", "localhost"):
            ok = await http.get(f"{API}/instances", headers={**host.key_header, "Host": f"{name}:{port}"})
            assert ok.status_code == 200, name


async def test_a_cross_site_text_plain_terminate_is_refused(host: Harness) -> None:
    """What any web page can send without a preflight: a simple POST with text/plain."""
    async with httpx.AsyncClient(base_url=host.base_url, timeout=10) as http:
        await start_victim(host, http)
        cross_site = {"Origin": "https://attacker.example", "Content-Type": "text/plain"}
        r = await http.post(f"{API}/instances/victim/terminate?reason=x", headers=cross_site, content="x")
        assert r.status_code == 401
        # even a page that somehow knows the key cannot change state from another origin
        r = await http.post(
            f"{API}/instances/victim/terminate?reason=x", headers={**cross_site, **host.key_header}
        )
        assert r.status_code == 403 and r.json()["error"] == "forbidden"
        assert host.engine.get_row("victim").status == "Running"  # type: ignore[union-attr]
        same_origin = {"Origin": host.base_url, **host.key_header}
        r = await http.post(f"{API}/instances/victim/terminate?reason=ops", headers=same_origin)
        assert r.status_code == 202


async def test_the_sdk_rpc_path_needs_the_key(host: Harness) -> None:
    async with httpx.AsyncClient(base_url=host.base_url, timeout=10) as http:
        assert (await http.get(f"{API}/rpc/wrong/instances/")).status_code == 401
        assert (await http.get(f"{API}/rpc/instances/")).status_code == 401
        assert (await http.get(f"{API}/rpc/{host.system_key}/instances/")).status_code == 200


async def test_the_unmodified_durable_client_still_works(host: Harness) -> None:
    """The binding carries the key as the real host does; the SDK's own calls go through the guard."""
    async with httpx.AsyncClient(base_url=host.base_url, timeout=10) as http:
        started = await http.post("/api/start/chain", json=["Oslo"])  # HTTP starter → client.start_new
        assert started.status_code == 202
        links = started.json()
        assert f"code={host.system_key}" in links["statusQueryGetUri"]
        done = await host.wait(links["id"])
        assert done.output == ["Hello Oslo!"]
        polled = await http.get(links["statusQueryGetUri"])  # the handed-out URL works as is
        assert polled.status_code == 200 and polled.json()["output"] == ["Hello Oslo!"]
    waiting = await host.client.start_new("waiter", None, None)
    await host.wait(waiting, statuses={"Running"})
    await host.client.raise_event(waiting, "go", "one")
    await host.client.terminate(waiting, "done")
    assert (await host.wait(waiting)).runtime_status.value == "Terminated"
    await host.client.signal_entity(df.EntityId("Counter", "k"), "add", 2)
    assert len(await host.client.get_status_all()) >= 2


async def test_the_key_is_made_once_stored_privately_and_kept(tmp_path: Path) -> None:
    state = tmp_path / "state"
    async with LocalHost(APPS / "durable_basics", state, port=0) as first:
        assert first.system_key_created and len(first.system_key) >= 32
        key = first.system_key
    assert stat.S_IMODE(key_file(state).stat().st_mode) == 0o600
    assert read_system_key(state) == key
    async with LocalHost(APPS / "durable_basics", state, port=0) as second:
        assert not second.system_key_created and second.system_key == key


def test_cli_prints_the_key_once(tmp_path: Path) -> None:
    def start_and_read() -> str:
        command = [sys.executable, "-m", "devhost", "start", "--script-root", str(APPS / "durable_basics")]
        command += ["--port", "0", "--state", str(tmp_path / "state")]
        with subprocess.Popen(
            command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        ) as proc:
            try:
                assert proc.stdout is not None
                lines = []
                for line in proc.stdout:
                    lines.append(line)
                    if line.startswith("Host started at"):
                        break
                return "".join(lines)
            finally:
                proc.kill()

    first = start_and_read()
    key = read_system_key(tmp_path / "state")
    assert f"System key (shown once; stored in {key_file(tmp_path / 'state')}): {key}" in first
    assert "Differences from Azure: function keys and auth levels on HTTP triggers are not enforced" in first
    second = start_and_read()
    assert key not in second and str(key_file(tmp_path / "state")) in second
