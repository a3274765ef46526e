"""``python -m devhost start``: serve a Functions app like ``func start`` until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

from devhost.config import CorsOptions
from devhost.host import HostStartError, LocalHost
from devhost.system_key import key_file

#: What the local host deliberately does not do that Azure does (said at every start).
DIFFERENCES = (
    "function keys and auth levels on HTTP triggers are not enforced; no maxConcurrentRequests, "
    "functionTimeout only for activities, no queue lease renewal, no blob/Event Hubs/Service Bus/Cosmos "
    "triggers, no call_http"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m devhost", description="Local Azure Functions host")
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="serve the app in the script root")
    start.add_argument("--script-root", type=Path, default=Path.cwd(), help="folder with function_app.py")
    start.add_argument("--port", type=int, default=7071, help="HTTP port (0 = any free port)")
    start.add_argument(
        "--state", type=Path, default=None, help="state folder (default: <script root>/.devhost)"
    )
    start.add_argument("--signalr-port", type=int, default=None, help="port of the SignalR stand-in")
    start.add_argument("--host", default="127.0.0.1", help="address to listen on")
    start.add_argument("--cors", default=None, help="allowed origins, comma-separated ('*' = any)")
    start.add_argument(
        "--static", type=Path, default=None, help="serve this folder's files at / (SPA fallback)"
    )
    start.add_argument("--cors-credentials", action="store_true", help="allow credentials in CORS requests")
    start.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        help="another Host name to accept (a tunnel or proxy name); repeatable",
    )
    return parser


async def serve(args: argparse.Namespace) -> int:
    script_root = args.script_root.resolve()
    os.chdir(script_root)  # like the worker: relative paths in settings resolve against the script root
    state = (args.state or script_root / ".devhost").resolve()
    cors = CorsOptions.parse(args.cors, args.cors_credentials) if args.cors else None
    host = LocalHost(
        script_root,
        state,
        port=args.port,
        signalr_port=args.signalr_port,
        host=args.host,
        cors=cors,
        static_dir=args.static.resolve() if args.static else None,
        allowed_hosts=args.allowed_host,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await host.start()
    except (HostStartError, OSError, ValueError, ImportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("\nFunctions:\n")
    for fn in host.function_list():
        detail = fn.detail if fn.trigger == "httpTrigger" else f"{fn.trigger} {fn.detail}".strip()
        print(f"        {fn.name}: {detail}\n")
    if host.signalr is not None:
        print(f"SignalR stand-in: {host.signalr.endpoint}")
    print(f"Differences from Azure: {DIFFERENCES} (docs/devhost.md)")
    where = key_file(state)
    if host.system_key_created:
        print(f"System key (shown once; stored in {where}): {host.system_key}")
    print(f"Management and admin routes need the system key (code= or x-functions-key); it is in {where}")
    print(f"Host started at {host.base_url}", flush=True)
    await stop.wait()
    print("Stopping the host...", flush=True)
    await host.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="[%(asctime)s] %(name)s %(levelname)s %(message)s")
    return asyncio.run(serve(args))
