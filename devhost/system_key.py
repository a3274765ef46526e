"""The host's system key: what the management and admin routes require, as on Azure.

On Azure the Durable HTTP API (``/runtime/webhooks/durabletask``) takes the ``durabletask_extension``
system key (or the master key) and ``/admin`` takes the master key. The local host keeps one key for
both: generated at the first start, stored in the state folder (``<state>/secrets/host.json``, readable
by the owner only) and reused at every later start, so links handed out before a restart keep working.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
from pathlib import Path

SECRETS_FILE = Path("secrets") / "host.json"
KEY_NAME = "durabletask_extension"


def key_file(state_dir: Path) -> Path:
    return Path(state_dir) / SECRETS_FILE


def load_or_create_system_key(state_dir: Path) -> tuple[str, bool]:
    """The stored key, or a new one written to the state folder; ``True`` when it was just created."""
    path = key_file(state_dir)
    if path.exists():
        return read_system_key(state_dir), False
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)  # URL-safe: it travels in query strings and in the RPC path
    body = json.dumps({"systemKeys": {KEY_NAME: key}}, indent=2).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(body)
    return key, True


def read_system_key(state_dir: Path) -> str:
    """The key of a host that has started with ``state_dir`` (tools and tests call the API with it)."""
    path = key_file(state_dir)
    try:
        data = json.loads(path.read_text())
        key = data["systemKeys"][KEY_NAME]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: no system key ({exc})") from None
    if not isinstance(key, str) or len(key) < 16:
        raise ValueError(f"{path}: the system key is missing or too short")
    return key


def same_key(given: str | None, key: str) -> bool:
    """Constant-time comparison, so response timing tells nothing about the key."""
    return given is not None and hmac.compare_digest(given.encode(), key.encode())
