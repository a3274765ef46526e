"""Finding 4: outside local development the app refuses to start on missing or public keys, naming
the setting; locally it warns once; every secret has a minimum strength.

Start-up is what the Functions worker does: import ``function_app`` in a fresh interpreter.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from reddytalk.errors import ConfigurationError
from reddytalk.settings import LOCAL_JWT_SECRET, Settings

ROOT = Path(__file__).resolve().parents[2]
STRONG = "k" * 48
SIGNALR = f"Endpoint=https://x.service.signalr.net;AccessKey={STRONG};Version=1.0;"
PRODUCTION = {
    "ENVIRONMENT": "production",
    "JWT_SECRET": STRONG,
    "AzureSignalRConnectionString": SIGNALR,
    "TELEPHONY_KEY": STRONG,
}


def _start(env: dict[str, str], code: str = "import function_app") -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {*PRODUCTION, "ENVIRONMENT"}}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean | {"PYTHONPATH": str(ROOT)} | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("missing", ["JWT_SECRET", "AzureSignalRConnectionString", "TELEPHONY_KEY"])
def test_production_refuses_to_start_without_a_secret_and_names_it(missing: str) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    started = _start(env)
    assert started.returncode != 0
    assert "ConfigurationError" in started.stderr and missing in started.stderr
    others = set(PRODUCTION) - {missing, "ENVIRONMENT"}
    assert not any(f"{name}:" in started.stderr for name in others), started.stderr[-500:]


def test_production_starts_with_its_secrets() -> None:
    started = _start(PRODUCTION)
    assert started.returncode == 0, started.stderr[-2000:]


def test_production_refuses_the_public_local_key_even_when_set_explicitly() -> None:
    with pytest.raises(ConfigurationError, match="JWT_SECRET"):
        Settings.from_env(PRODUCTION | {"JWT_SECRET": LOCAL_JWT_SECRET})


@pytest.mark.parametrize(
    ("name", "weak"),
    [
        ("JWT_SECRET", "short-secret"),
        ("TELEPHONY_KEY", "1234"),
        ("AzureSignalRConnectionString", "Endpoint=https://x;AccessKey=k;Version=1.0;"),
    ],
)
def test_weak_secrets_are_refused_everywhere(name: str, weak: str) -> None:
    for environment in ("development", "production"):
        with pytest.raises(ConfigurationError, match=f"{name}: .*at least 32 characters"):
            Settings.from_env(PRODUCTION | {"ENVIRONMENT": environment, name: weak})


def test_local_development_warns_once() -> None:
    code = (
        "import logging, os; logging.basicConfig(level=logging.WARNING)\n"
        "from reddytalk.settings import get_settings\n"
        "get_settings(); os.environ['LOG_LEVEL'] = 'DEBUG'; get_settings()\n"
    )
    started = _start({}, code)
    assert started.returncode == 0, started.stderr
    assert started.stderr.count("local development keys") == 1
    assert "JWT_SECRET" in started.stderr
