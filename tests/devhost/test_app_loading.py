"""Loading the app the way the Python worker does (issue 17): any app name, the entry file as the module
``function_app``, multi-file apps, a warning for zero functions, one clear line for a broken app."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from devhost.config import HostConfigError
from devhost.functions import AppLoadError, load_app
from devhost.host import LocalHost

APPS = Path(__file__).parent / "apps"
REPO = Path(__file__).resolve().parents[2]


async def run_to_completion(client: httpx.AsyncClient, status_url: str) -> dict:
    for _ in range(400):
        status = (await client.get(status_url)).json()
        if status["runtimeStatus"] not in ("Pending", "Running"):
            return status
        await asyncio.sleep(0.02)
    raise AssertionError("the orchestration did not finish")


async def test_an_app_object_with_another_name_is_served(tmp_path: Path) -> None:
    async with LocalHost(APPS / "named_app", tmp_path, port=0) as host, httpx.AsyncClient() as client:
        assert {f.name for f in host.function_list()} == {"pack", "ship", "start_ship"}
        started = await client.post(f"{host.base_url}/api/ship", json=["cups", "plates"])
        assert started.status_code == 202
        status = await run_to_completion(client, started.json()["statusQueryGetUri"])
        assert status["output"] == ["packed cups", "packed plates"]


async def test_a_blueprint_importing_the_entry_module_registers_on_the_served_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPLIT_APP_LOADS", "0")
    monkeypatch.delitem(sys.modules, "split_routes", raising=False)
    async with LocalHost(APPS / "split_app", tmp_path, port=0) as host, httpx.AsyncClient() as client:
        assert os.environ["SPLIT_APP_LOADS"] == "1"  # function_app.py ran once, not once per importer
        assert sys.modules["function_app"].__file__ == str(APPS / "split_app" / "function_app.py")
        assert {f.name for f in host.function_list()} == {"greet", "greeting", "hello"}
        assert (await client.get(f"{host.base_url}/api/hello/ann")).text == "hello ann"
        key = {"x-functions-key": host.system_key}
        started = await client.post(
            # the public API parses the body once; the SDK's get_input wants JSON text inside
            f"{host.base_url}/runtime/webhooks/durabletask/orchestrators/greeting",
            json='"Bo"',
            headers=key,
        )
        status = await run_to_completion(client, started.json()["statusQueryGetUri"])
        assert status["output"] == "Hi Bo"
    sys.modules.pop("split_routes", None)


async def test_an_app_with_no_functions_starts_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="devhost"):
        async with LocalHost(APPS / "empty_app", tmp_path, port=0) as host:
            assert host.function_list() == []
    assert any("No job functions found" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import azure.functions as func\nx = 1\n", "Could not find top level function app instances"),
        (
            "import azure.functions as func\na = func.FunctionApp()\nb = func.FunctionApp()\n",
            "more than one FunctionApp",
        ),
        ("import azure.functions as func\n\nraise RuntimeError('no database')\n", "line 3: RuntimeError"),
        ("import azure.functions as func\ndef broken(:\n", "function_app.py line 2"),
        ("import not_installed_package_xyz\n", "ModuleNotFoundError"),
        (
            "import azure.functions as func\napp = func.FunctionApp()\n"
            "@app.route(route='a')\ndef same(req): return 'a'\n"
            "@app.function_name('SAME')\n@app.route(route='b')\ndef other(req): return 'b'\n",
            "two functions are named",
        ),
    ],
)
def test_a_broken_app_is_refused_with_one_line_naming_the_file(
    tmp_path: Path, source: str, expected: str
) -> None:
    (tmp_path / "function_app.py").write_text(source)
    with pytest.raises(AppLoadError) as info:
        load_app(tmp_path)
    message = str(info.value)
    assert expected in message and "\n" not in message
    assert "function_app.py" in message


def test_the_entry_file_name_comes_from_python_script_file_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "main_app.py").write_text(
        "import azure.functions as func\nfa = func.FunctionApp()\n"
        "@fa.route(route='x')\ndef x(req): return 'x'\n"
    )
    monkeypatch.setenv("PYTHON_SCRIPT_FILE_NAME", "main_app.py")
    assert set(load_app(tmp_path).functions) == {"x"}


def test_a_malformed_host_json_is_one_line_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "function_app.py").write_text("import azure.functions as func\napp = func.FunctionApp()\n")
    (tmp_path / "host.json").write_text('{"version": "2.0", "extensions": {')
    with pytest.raises(HostConfigError) as info:
        asyncio.run(LocalHost(tmp_path, tmp_path / "state", port=0).start())
    assert str(tmp_path / "host.json") in str(info.value) and "not valid JSON" in str(info.value)
    assert "\n" not in str(info.value)


def test_the_cli_refuses_a_broken_app_with_one_line_and_no_stack_trace(tmp_path: Path) -> None:
    (tmp_path / "function_app.py").write_text(
        "import azure.functions as func\n\nraise RuntimeError('no database')\n"
    )
    command = [sys.executable, "-m", "devhost", "start", "--script-root", str(tmp_path), "--port", "0"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=REPO)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: {tmp_path / 'function_app.py'}: function_app.py line 3: RuntimeError: no database"
    ]
    assert "Traceback" not in done.stderr
