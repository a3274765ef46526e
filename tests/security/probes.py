"""The probe log: every request a security test sends, what it expected, what came back.

``make security`` prints the log at the end of the run (``conftest.pytest_terminal_summary``), so a
reader sees the requests sent and their verdicts, not only pass/fail per test.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class Probe:
    finding: str
    request: str
    expected: str
    got: int

    @property
    def verdict(self) -> str:
        return "held" if str(self.got) in self.expected.split("|") else "FAILED"


LOG: list[Probe] = []
NOTES: list[str] = []  # run summaries (e.g. the schemathesis case count and seed)


def probe(finding: str, response: httpx.Response, expected: str | int, note: str = "") -> httpx.Response:
    """Record one request and its answer; ``expected`` is a status or ``"409|429"``-style choices."""
    request = response.request
    target = request.url.raw_path.decode(errors="replace")
    label = f"{request.method} {target[:90]}" + (f"  ({note})" if note else "")
    entry = Probe(finding, label, str(expected), response.status_code)
    LOG.append(entry)
    assert entry.verdict == "held", f"{finding}: {label} -> {response.status_code} {response.text[:300]}"
    return response


def report() -> list[str]:
    lines = [f"{'finding':<12} {'verdict':<7} {'status':<6} request"]
    for p in LOG:
        lines.append(f"{p.finding:<12} {p.verdict:<7} {p.got:<6} {p.request}")
    failed = sum(p.verdict != "held" for p in LOG)
    lines.append(f"{len(LOG)} probes sent, {len(LOG) - failed} held, {failed} failed")
    return lines + NOTES
