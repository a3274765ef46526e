"""Constants the practice tests share (a uniquely named module: ``conftest`` names clash across folders)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo-practice.json"
ZONE = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 30, 8, 30, tzinfo=ZONE)  # a Monday morning
