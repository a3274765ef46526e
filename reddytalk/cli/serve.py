"""``reddytalk serve``: run ReddyTalk on the local host (``python -m devhost start``) with embedded defaults.

The app never imports the host: this command starts it as a subprocess, the way ``func start`` would
be started, with the repository as script root. ``--practice`` seeds the document store first
(through ``reddytalk seed``). The SignalR setting is passed on so the host starts its stand-in on
the endpoint the app will call.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
SIGNALR_ENV = "AzureSignalRConnectionString"
QUEUES_ENV = "QUEUES_CONNECTION"  # the connection the training queue trigger names
WEB_DIST = REPO_ROOT / "web" / "dist"  # the built dashboard and web caller (``make serve`` builds it)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("serve", help="run ReddyTalk on the local Functions host")
    parser.add_argument("--port", type=int, default=7071, help="HTTP port (0 = any free port)")
    parser.add_argument("--state", type=Path, default=None, help="host state folder (default: .devhost)")
    parser.add_argument("--practice", type=Path, default=None, help="practice file to seed before serving")
    parser.add_argument("--signalr-port", type=int, default=None, help="port of the SignalR stand-in")
    parser.add_argument(
        "--static", type=Path, default=None, help="web app folder served at / (default: web/dist)"
    )
    parser.set_defaults(func=run)


def host_command(args: argparse.Namespace) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "devhost",
        "start",
        "--script-root",
        str(REPO_ROOT),
        "--port",
        str(args.port),
        "--static",
        str(args.static.resolve() if getattr(args, "static", None) is not None else WEB_DIST),
    ]
    if args.state is not None:
        command += ["--state", str(args.state.resolve())]
    if args.signalr_port is not None:
        command += ["--signalr-port", str(args.signalr_port)]
    return command


def host_environment() -> dict[str, str]:
    """The process environment plus the settings the host itself reads (embedded defaults if unset).

    The host resolves trigger connections and the SignalR endpoint from app settings; on Azure
    they are set on the Function App, locally they fall back to the app's embedded defaults.
    """
    from reddytalk.settings import get_settings

    settings = get_settings()
    env = dict(os.environ)
    for name, value in (
        (SIGNALR_ENV, settings.signalr_connection),
        (QUEUES_ENV, settings.queues_connection),
    ):
        if not env.get(name):
            env[name] = value.get_secret_value()
    return env


def run(args: argparse.Namespace) -> int:
    if args.practice is not None:
        from reddytalk.cli import seed

        practice = args.practice.resolve()
        os.chdir(REPO_ROOT)  # embedded stores resolve relative paths against the script root, like the host
        code = seed.run(argparse.Namespace(practice=str(practice)))
        if code != 0:
            return code
    with subprocess.Popen(host_command(args), cwd=REPO_ROOT, env=host_environment()) as host:
        previous = signal.signal(signal.SIGTERM, lambda *_: host.send_signal(signal.SIGTERM))
        try:
            return host.wait()
        except KeyboardInterrupt:
            host.send_signal(signal.SIGINT)
            return host.wait()
        finally:
            signal.signal(signal.SIGTERM, previous)
