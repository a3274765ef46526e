"""Orchestration versioning (``extensions.durableTask`` in host.json; SDK 1.7 ``context.version``).

As the Durable extension documents it (*durable-functions-orchestration-versioning*): a new instance gets
the version given on start (``?version=`` / ``start_new(version=...)``, ``call_sub_orchestrator(version=...)``)
or else ``defaultVersion``, keeps it for life (also across ``continue_as_new``), and the orchestrator reads it
as ``context.version`` (from ``ExecutionStarted.Version``). With a ``defaultVersion``, ``versionMatchStrategy``
decides which instances this worker may run (``CurrentOrOlder`` by default: not newer than ``defaultVersion``;
``Strict``: only equal; ``None``: all) and ``versionFailureStrategy`` what happens to the others (``Reject`` by
default: left unrun, for a newer worker; ``Fail``: the instance fails with the reason).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MATCH_STRATEGIES = ("None", "Strict", "CurrentOrOlder")
FAILURE_STRATEGIES = ("Reject", "Fail")
_DOTNET_VERSION = re.compile(r"^\d+(\.\d+){1,3}$")  # what System.Version.TryParse accepts


def compare_versions(a: str | None, b: str | None) -> int:
    """The documented comparison: empty versions are equal and older than any other; two
    ``System.Version`` strings compare by component; otherwise case-insensitive text order."""
    a, b = a or "", b or ""
    if not a or not b:
        return (a > "") - (b > "")
    if _DOTNET_VERSION.match(a) and _DOTNET_VERSION.match(b):
        left, right = [int(p) for p in a.split(".")], [int(p) for p in b.split(".")]
        return (left > right) - (left < right)
    la, lb = a.lower(), b.lower()
    return (la > lb) - (la < lb)


@dataclass(frozen=True)
class VersionPolicy:
    default_version: str = ""
    match: str = "CurrentOrOlder"
    failure: str = "Reject"

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> VersionPolicy:
        """Read ``extensions.durableTask``; unknown strategy names are a start error (ValueError)."""
        match = str(options.get("versionMatchStrategy") or "CurrentOrOlder")
        failure = str(options.get("versionFailureStrategy") or "Reject")
        canonical_match = {m.lower(): m for m in MATCH_STRATEGIES}.get(match.lower())
        canonical_failure = {f.lower(): f for f in FAILURE_STRATEGIES}.get(failure.lower())
        if canonical_match is None:
            raise ValueError(f"extensions.durableTask.versionMatchStrategy must be one of {MATCH_STRATEGIES}")
        if canonical_failure is None:
            raise ValueError(
                f"extensions.durableTask.versionFailureStrategy must be one of {FAILURE_STRATEGIES}"
            )
        default = options.get("defaultVersion")
        return cls(str(default) if default is not None else "", canonical_match, canonical_failure)

    def version_for_new(self, requested: str | None) -> str:
        return requested if requested else self.default_version

    def mismatch(self, version: str | None) -> str | None:
        """Why this worker must not run an instance of ``version`` (None: it may)."""
        if not self.default_version or self.match == "None":
            return None
        order = compare_versions(version, self.default_version)
        if self.match == "Strict" and order != 0:
            return f"The orchestration version '{version or ''}' does not match the worker version '{self.default_version}'."
        if self.match == "CurrentOrOlder" and order > 0:
            return f"The orchestration version '{version}' is greater than the worker version '{self.default_version}'."
        return None
