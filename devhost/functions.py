"""Load a Python v2 Functions app by path and index its functions by trigger kind.

The local host never imports app modules by name in its own code: it loads the entry file
(``function_app.py``) from the script root exactly as the worker does (script root first on
``sys.path``, the file as top-level module ``function_app``) and reads the SDK's own metadata.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

log = logging.getLogger("devhost")

TRIGGER_TYPES = (
    "httpTrigger",
    "orchestrationTrigger",
    "activityTrigger",
    "entityTrigger",
    "queueTrigger",
    "timerTrigger",
)


@dataclass
class FunctionInfo:
    """One indexed function: its name, bindings and the callable the worker would invoke."""

    name: str
    bindings: list[dict[str, Any]]
    callable: Any

    @property
    def trigger(self) -> dict[str, Any]:
        for binding in self.bindings:
            if binding.get("type") in TRIGGER_TYPES:
                return binding
        raise ValueError(f"function {self.name} has no supported trigger")

    @property
    def trigger_type(self) -> str:
        return str(self.trigger["type"])

    def bindings_of(self, binding_type: str, direction: str | None = None) -> list[dict[str, Any]]:
        return [
            b
            for b in self.bindings
            if b.get("type") == binding_type and (direction is None or b.get("direction") == direction)
        ]


@dataclass
class FunctionIndex:
    """All functions of one app, looked up case-insensitively like the real host."""

    script_root: Path
    functions: dict[str, FunctionInfo] = field(default_factory=dict)

    def get(self, name: str) -> FunctionInfo | None:
        return self.functions.get(name.lower())

    def of_type(self, trigger_type: str) -> list[FunctionInfo]:
        return [f for f in self.functions.values() if f.trigger_type == trigger_type]


class AppLoadError(ImportError):
    """The app cannot be loaded: the entry file fails to import, has no (or several) function apps, or
    two functions share a name. The message is one line naming the file and the problem."""


NO_FUNCTIONS_WARNING = (
    "No job functions found. Try making your job classes and methods public. If you're using binding "
    "extensions (e.g. Azure Storage, ServiceBus, Timers, etc.) make sure you've called the registration "
    "method for the extension(s) in your startup code."
)


def entry_file_name() -> str:
    """``PYTHON_SCRIPT_FILE_NAME`` (an app setting the worker reads), default ``function_app.py``."""
    return os.environ.get("PYTHON_SCRIPT_FILE_NAME") or "function_app.py"


def load_app(script_root: Path, module_file: str | None = None) -> FunctionIndex:
    """Import the entry file as the worker does and index the one function app it defines.

    Like ``index_function_app`` in the Python worker: the script root goes first on ``sys.path``,
    the entry file is a top-level module named after the file (``function_app``), so a blueprint that
    does ``from function_app import app`` gets this very module instead of loading it a second time,
    and the app is the single module-level ``FunctionRegister`` (``DFApp``, ``FunctionApp``, ...)
    whatever its variable is called.
    """
    script_root = script_root.resolve()
    module_file = module_file or entry_file_name()
    path = script_root / module_file
    if not path.is_file():
        raise FileNotFoundError(f"no {module_file} in {script_root}")
    root = str(script_root)
    if root in sys.path:
        sys.path.remove(root)
    sys.path.insert(0, root)
    module = _import_entry(path)
    app = _the_function_app(module, path)
    index = FunctionIndex(script_root)
    try:
        functions = app.get_functions()
    except Exception as exc:  # the SDK validates bindings and names here
        raise AppLoadError(f"{path}: {type(exc).__name__}: {exc}") from None
    for fn in functions:
        name = fn.get_function_name()
        meta = json.loads(fn.get_function_json())
        info = FunctionInfo(name=name, bindings=meta["bindings"], callable=fn.get_user_function())
        if name.lower() in index.functions:
            raise AppLoadError(f"{path}: two functions are named {name!r} (names are case-insensitive)")
        index.functions[name.lower()] = info
    if not index.functions:
        log.warning("%s (%s defines a function app with no functions)", NO_FUNCTIONS_WARNING, path)
    return index


def _import_entry(path: Path) -> ModuleType:
    """Execute the entry file as module ``<stem>`` (replacing another app's entry module of that name)."""
    name = path.stem
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise AppLoadError(f"{path}: cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    previous = sys.modules.get(name)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        if previous is not None:
            sys.modules[name] = previous
        else:
            sys.modules.pop(name, None)
        raise AppLoadError(f"{path}: {_where(exc, path)}{type(exc).__name__}: {exc}") from exc
    return module


def _where(exc: BaseException, path: Path) -> str:
    """``line N: `` of the deepest frame in the app's own files, so the one line says where it broke."""
    root = path.parent
    found = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        frame_path = Path(frame.filename)
        if frame_path.is_relative_to(root) and "site-packages" not in frame_path.parts:
            found = f"{frame_path.relative_to(root)} line {frame.lineno}: "
    if isinstance(exc, SyntaxError) and exc.filename:
        found = f"{Path(exc.filename).name} line {exc.lineno}: "
    return found


def _the_function_app(module: ModuleType, path: Path) -> Any:
    from azure.functions import FunctionRegister

    apps = {id(v): v for v in vars(module).values() if isinstance(v, FunctionRegister)}
    if not apps:
        raise AppLoadError(f"Could not find top level function app instances in {path.name} ({path}).")
    if len(apps) > 1:
        kind = type(next(iter(apps.values()))).__name__
        raise AppLoadError(
            f"{path}: more than one {kind} or other top level function app instances are defined."
        )
    return next(iter(apps.values()))
