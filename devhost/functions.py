"""Load a Python v2 Functions app by path and index its functions by trigger kind.

The local host never imports app modules by name: it loads ``function_app.py`` from the script root
exactly as the worker does (script root on ``sys.path``) and reads the SDK's own metadata.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


def load_app(script_root: Path, module_file: str = "function_app.py") -> FunctionIndex:
    """Import ``function_app.py`` from ``script_root`` and index ``app.get_functions()``."""
    script_root = script_root.resolve()
    path = script_root / module_file
    if not path.is_file():
        raise FileNotFoundError(f"no {module_file} in {script_root}")
    if str(script_root) not in sys.path:
        sys.path.insert(0, str(script_root))
    module_name = f"_devhost_app_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    app = getattr(module, "app", None)
    if app is None or not hasattr(app, "get_functions"):
        raise ImportError(f"{path} defines no Functions app named 'app'")
    index = FunctionIndex(script_root)
    for fn in app.get_functions():
        name = fn.get_function_name()
        meta = json.loads(fn.get_function_json())
        info = FunctionInfo(name=name, bindings=meta["bindings"], callable=fn.get_user_function())
        if name.lower() in index.functions:
            raise ValueError(f"duplicate function name {name!r}")
        index.functions[name.lower()] = info
    return index
