"""Call one function the way the Python worker does: keyword arguments named by the bindings.

The trigger value goes to the trigger binding's name, ``durableClient`` inputs get the engine's
binding JSON, output parameters get ``func.Out`` objects, and ``context`` is passed when the
function asks for it. Async functions run on the host loop, sync ones in a thread pool (the worker's
default size). After the call, output values and a non-HTTP ``$return`` go to their bindings.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import functools
import inspect
import os
import threading
import uuid
from collections.abc import Callable
from typing import Any, Protocol

import azure.functions as func
from azure.functions import _abc as func_abc

from devhost.functions import FunctionInfo
from devhost.outputs import SUPPORTED_OUTPUTS, OutputDispatcher, OutValue

INPUT_TYPES = ("durableClient",)


class BindingError(ValueError):
    """A function uses a binding the local host cannot provide (reported at start)."""


class WorkerCrashed(RuntimeError):
    """The worker process running an invocation died (``FUNCTIONS_WORKER_PROCESS_COUNT`` > 1)."""


class Runner(Protocol):
    """What runs the app's functions: ``Invoker`` in the host's process, or ``WorkerPool``."""

    async def invoke(
        self, function: FunctionInfo, trigger_value: Any, executor: concurrent.futures.Executor | None = None
    ) -> Any: ...

    async def run_sdk(
        self, fn: Any, function: FunctionInfo, *args: Any, executor: concurrent.futures.Executor | None = None
    ) -> Any:
        """``fn(function.callable, *args)``: an orchestrator episode or entity batch through ``handle()``."""
        ...

    async def aclose(self) -> None: ...


class _TraceContext(func_abc.TraceContext):
    def __init__(self) -> None:
        self._parent = f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01"

    @property
    def trace_state(self) -> str:
        return ""

    @property
    def trace_parent(self) -> str:
        return self._parent

    @property
    def attributes(self) -> dict[str, str]:
        return {}


class _RetryContext(func_abc.RetryContext):
    @property
    def retry_count(self) -> int:
        return 0

    @property
    def max_retry_count(self) -> int:
        return 0

    @property
    def exception(self) -> Any:
        return None


class InvocationContext(func.Context):
    """What the worker passes as ``context``."""

    _local = threading.local()

    def __init__(self, function: FunctionInfo) -> None:
        self._invocation_id = str(uuid.uuid4())
        self._function = function

    @property
    def invocation_id(self) -> str:
        return self._invocation_id

    @property
    def thread_local_storage(self) -> Any:
        return self._local

    @property
    def function_name(self) -> str:
        return self._function.name

    @property
    def function_directory(self) -> str:
        return str(self._function_dir)

    @property
    def _function_dir(self) -> str:
        return os.environ.get("AzureWebJobsScriptRoot", os.getcwd())  # noqa: SIM112 - the host's name

    @property
    def trace_context(self) -> func_abc.TraceContext:
        return _TraceContext()

    @property
    def retry_context(self) -> func_abc.RetryContext:
        return _RetryContext()


def check_bindings(function: FunctionInfo, durable_available: bool) -> None:
    """Fail at start, with the function's name, on bindings this host cannot serve."""
    trigger = function.trigger
    for binding in function.bindings:
        if binding is trigger:
            continue
        kind, direction = binding.get("type"), str(binding.get("direction", "")).upper()
        if direction == "OUT" and kind not in SUPPORTED_OUTPUTS:
            raise BindingError(f"function {function.name}: output binding {kind!r} is not supported")
        if direction == "IN" and kind not in INPUT_TYPES:
            raise BindingError(f"function {function.name}: input binding {kind!r} is not supported")
        if kind == "durableClient" and not durable_available:
            raise BindingError(f"function {function.name}: durableClient needs the durable engine")


def check_durable_bindings(function: FunctionInfo) -> None:
    """Orchestrator and entity functions take only their trigger (the SDK's wrapper passes nothing else)."""
    extra = [b for b in function.bindings if b is not function.trigger]
    if extra:
        kinds = ", ".join(repr(b.get("type")) for b in extra)
        raise BindingError(
            f"function {function.name}: a {function.trigger_type} function cannot have other bindings ({kinds})"
        )


class Invoker:
    def __init__(
        self,
        outputs: OutputDispatcher,
        durable_client_json: Callable[[], str] | None = None,
        max_threads: int | None = None,
    ) -> None:
        self.outputs = outputs
        self.durable_client_json = durable_client_json
        threads = max_threads or int(os.environ.get("PYTHON_THREADPOOL_THREAD_COUNT") or 0) or None
        self.executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=threads or min(32, (os.cpu_count() or 1) + 4), thread_name_prefix="devhost-fn"
        )

    async def invoke(
        self,
        function: FunctionInfo,
        trigger_value: Any,
        executor: concurrent.futures.Executor | None = None,
    ) -> Any:
        """Call ``function``; sync functions run on ``executor`` (default: the worker-sized pool)."""
        trigger = function.trigger
        kwargs: dict[str, Any] = {str(trigger["name"]): trigger_value}
        outs: list[tuple[dict[str, Any], OutValue]] = []
        for binding in function.bindings:
            if binding is trigger:
                continue
            name = str(binding.get("name"))
            if binding.get("type") == "durableClient":
                if self.durable_client_json is None:
                    raise BindingError("the durable engine is not running")
                kwargs[name] = self.durable_client_json()
            elif str(binding.get("direction", "")).upper() == "OUT" and name != "$return":
                out = OutValue()
                outs.append((binding, out))
                kwargs[name] = out
        target = function.callable
        if "context" in _parameters(target):
            kwargs["context"] = InvocationContext(function)
        if inspect.iscoroutinefunction(target):
            result = await target(**kwargs)
        else:
            call = functools.partial(contextvars.copy_context().run, functools.partial(target, **kwargs))
            result = await asyncio.get_running_loop().run_in_executor(executor or self.executor, call)
            if inspect.isawaitable(result):
                result = await result
        for binding, out in outs:
            await self.outputs.dispatch(binding, out.get())
        for binding in function.bindings:
            if binding.get("name") == "$return" and binding.get("type") != "http":
                await self.outputs.dispatch(binding, result)
        return result

    async def run_sdk(
        self, fn: Any, function: FunctionInfo, *args: Any, executor: concurrent.futures.Executor | None = None
    ) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(executor or self.executor, fn, function.callable, *args)

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)

    async def aclose(self) -> None:
        self.close()


@functools.lru_cache(maxsize=512)
def _parameters(target: Callable[..., Any]) -> frozenset[str]:
    try:
        return frozenset(inspect.signature(target).parameters)
    except (TypeError, ValueError):
        return frozenset()
