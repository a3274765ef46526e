"""What the host reads from the script root: ``host.json`` options and ``local.settings.json`` values."""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("devhost")

_SETTING_REFERENCE = re.compile(r"%([^%\s]+)%")
#: Binding properties that are structure, never app-setting expressions.
_NOT_RESOLVED = frozenset({"name", "type", "direction", "dataType", "authLevel"})
_TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2}(?:\.\d+)?)$")


class HostConfigError(ValueError):
    """host.json or local.settings.json cannot be used."""


def parse_timespan(value: Any, setting: str) -> float:
    """Seconds in a .NET TimeSpan string (``[d.]hh:mm:ss[.fff]``) or a plain number of seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    match = _TIMESPAN.match(str(value).strip())
    if match is None:
        raise HostConfigError(f"{setting}: {value!r} is not a TimeSpan like 00:00:30")
    days, hours, minutes, seconds = match.groups()
    return int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + float(seconds)


@dataclass(frozen=True)
class QueueOptions:
    """``extensions.queues`` with the WebJobs defaults."""

    batch_size: int = 16
    new_batch_threshold: int = 8
    max_polling_interval: float = 60.0
    visibility_timeout: float = 0.0
    max_dequeue_count: int = 5

    @classmethod
    def from_json(cls, section: Mapping[str, Any]) -> QueueOptions:
        batch = int(section.get("batchSize", 16))
        if not 1 <= batch <= 32:
            raise HostConfigError("extensions.queues.batchSize must be 1..32")
        threshold = section.get("newBatchThreshold")
        max_dequeue = int(section.get("maxDequeueCount", 5))
        if max_dequeue < 1:
            raise HostConfigError("extensions.queues.maxDequeueCount must be at least 1")
        return cls(
            batch_size=batch,
            new_batch_threshold=int(threshold)
            if threshold is not None
            else batch // 2 * (os.cpu_count() or 1),
            max_polling_interval=max(
                0.1, parse_timespan(section.get("maxPollingInterval", 60), "maxPollingInterval")
            ),
            visibility_timeout=parse_timespan(section.get("visibilityTimeout", 0), "visibilityTimeout"),
            max_dequeue_count=max_dequeue,
        )


@dataclass(frozen=True)
class HostConfig:
    route_prefix: str
    queues: QueueOptions
    raw: dict[str, Any]

    @property
    def durable(self) -> dict[str, Any]:
        return dict(self.raw.get("extensions", {}).get("durableTask", {}))


def resolve_settings(text: str, where: str, env: Mapping[str, str] | None = None) -> str:
    """Replace each ``%Name%`` with the app setting ``Name``, as the host's name resolver does for
    binding properties and the durable ``hubName``; an unset setting is an error naming it."""
    values = os.environ if env is None else env

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        found = values.get(name)
        if found is None:
            raise HostConfigError(
                f"{where}: '%{name}%' does not resolve to a value (app setting {name} is not set)"
            )
        return found

    return _SETTING_REFERENCE.sub(value, text)


def resolve_binding_settings(function_name: str, bindings: list[dict[str, Any]]) -> None:
    """``%Setting%`` in the string properties of a function's bindings (queue names, schedules, paths...)."""
    for binding in bindings:
        for key, raw in list(binding.items()):
            if key in _NOT_RESOLVED or not isinstance(raw, str) or "%" not in raw:
                continue
            binding[key] = resolve_settings(
                raw, f"function {function_name}, binding {binding.get('name')!r}, {key}"
            )


def load_host_json(script_root: Path) -> HostConfig:
    path = script_root / "host.json"
    raw: dict[str, Any] = {}
    if path.is_file():
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise HostConfigError(f"{path} is not valid JSON: {exc}") from None
        if not isinstance(raw, dict):
            raise HostConfigError(f"{path} must hold a JSON object")
    extensions = raw.get("extensions") or {}
    durable = extensions.get("durableTask")
    if isinstance(durable, dict) and isinstance(durable.get("hubName"), str):
        # the durable extension resolves %AppSetting% in hubName (durable-functions-host-json-settings)
        durable["hubName"] = resolve_settings(durable["hubName"], f"{path}: extensions.durableTask.hubName")
    prefix = (extensions.get("http") or {}).get("routePrefix", "api")
    return HostConfig(
        route_prefix=str(prefix).strip("/"),
        queues=QueueOptions.from_json(extensions.get("queues") or {}),
        raw=raw,
    )


def _local_settings(script_root: Path) -> dict[str, Any]:
    path = script_root / "local.settings.json"
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise HostConfigError(f"{path} is not valid JSON: {exc}") from None
    return data if isinstance(data, dict) else {}


def read_local_settings(script_root: Path) -> dict[str, str]:
    """``Values`` of ``local.settings.json`` (absent file = none), as ``func start`` reads them."""
    values = _local_settings(script_root).get("Values") or {}
    return {str(k): "" if v is None else str(v) for k, v in values.items()}


@dataclass(frozen=True)
class CorsOptions:
    """``Host.CORS`` / ``Host.CORSCredentials`` of ``local.settings.json`` (or ``--cors``)."""

    origins: tuple[str, ...] = ()
    credentials: bool = False

    @classmethod
    def parse(cls, origins: str | None, credentials: bool = False) -> CorsOptions:
        found = tuple(o.strip() for o in (origins or "").split(",") if o.strip())
        return cls(found, credentials)


def read_local_cors(script_root: Path) -> CorsOptions:
    host = _local_settings(script_root).get("Host") or {}
    return CorsOptions.parse(host.get("CORS"), bool(host.get("CORSCredentials", False)))


class Environment:
    """Applies app settings to ``os.environ`` and restores it afterwards.

    Like ``func start``: a variable already set in the process environment wins over
    ``local.settings.json``; the host's explicit ``env`` wins over both.
    """

    def __init__(self, local_values: Mapping[str, str], explicit: Mapping[str, str]) -> None:
        self.values: dict[str, str] = {}
        for key, value in local_values.items():
            if os.environ.get(key):
                log.info("skipping %s from local settings: already set in the environment", key)
            else:
                self.values[key] = value
        self.values.update(explicit)
        self._saved: dict[str, str | None] = {}

    def apply(self) -> None:
        for key, value in self.values.items():
            self._saved.setdefault(key, os.environ.get(key))
            os.environ[key] = value

    def restore(self) -> None:
        for key, old in self._saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old
        self._saved.clear()

    def set(self, key: str, value: str) -> None:
        """Change a setting after ``apply`` (restored by ``restore`` like the others)."""
        self._saved.setdefault(key, os.environ.get(key))
        os.environ[key] = value

    def get(self, key: str) -> str | None:
        return os.environ.get(key)
