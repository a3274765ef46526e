"""The report every migration command ends with: per-table counters, timings, verdict; human or JSON.

Reports carry ids, counts and reasons only, never row contents (PHI stays in the databases).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Report:
    command: str
    ok: bool = True
    elapsed_s: float = 0.0
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def table(self, name: str) -> dict[str, Any]:
        return self.tables.setdefault(name, {})

    def fail(self, problem: str) -> None:
        self.ok = False
        self.problems.append(problem)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True, default=str)

    def to_text(self) -> str:
        lines = [
            f"reddytalk migrate {self.command}: {'OK' if self.ok else 'FAILED'} in {self.elapsed_s:.2f} s"
        ]
        columns = sorted(
            {k for row in self.tables.values() for k in row if not isinstance(row[k], dict | list)}
        )
        if self.tables:
            widths = [max(len("table"), *(len(t) for t in self.tables))] + [
                max(len(c), *(len(_cell(r.get(c))) for r in self.tables.values())) for c in columns
            ]
            header = ["table", *columns]
            lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
            for name, row in self.tables.items():
                cells = [name, *(_cell(row.get(c)) for c in columns)]
                lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)))
            for name, row in self.tables.items():
                for key, value in row.items():
                    if isinstance(value, dict | list) and value:
                        lines.append(f"{name}.{key}: {json.dumps(value, sort_keys=True, default=str)}")
        for key, value in self.details.items():
            lines.append(f"{key}: {json.dumps(value, sort_keys=True, default=str)}")
        lines.extend(f"PROBLEM: {p}" for p in self.problems)
        return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)
