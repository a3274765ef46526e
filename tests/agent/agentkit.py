"""Constants the agent tests share (a uniquely named module: ``conftest`` names clash across folders)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo-practice.json"
SCENARIOS = Path(__file__).with_name("scenarios.json")
DEV_SUITES = sorted(Path(__file__).parent.glob("scenarios*.json"))  # the first set and the blind batches
NOW = datetime(2026, 11, 30, 8, 30, tzinfo=ZoneInfo("America/New_York"))  # a Monday morning
PRACTICE_ID = "maple-grove"
