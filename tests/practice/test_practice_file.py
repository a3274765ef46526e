"""The practice file contract: the demo file loads, required names are enforced, errors are clear and carry no values."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from reddytalk.errors import ValidationFailed
from reddytalk.practice.loader import load_practice_file, parse_practice

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo-practice.json"


@pytest.fixture
def raw() -> dict[str, Any]:
    return json.loads(DEMO.read_text())


def test_demo_practice_is_realistic(raw: dict[str, Any]) -> None:
    demo = parse_practice(raw)
    assert 3 <= len(demo.providers) <= 4
    assert 4 <= len(demo.appointment_types) <= 5
    assert len(demo.patients) >= 10
    assert {"parking", "insurance", "directions", "fees"} <= set(demo.practice.faq)
    assert demo.practice.hours["sun"] == []


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["practice"].update(timezone="Mars/Olympus"), "practice.timezone"),
        (lambda d: d["practice"].update(phone="555-0100"), "practice.phone"),
        (lambda d: d["practice"]["hours"].update(mon=[["17:00", "08:00"]]), "practice.hours"),
        (lambda d: d["practice"]["hours"].update(funday=[]), "practice.hours"),
        (lambda d: d["providers"][0].pop("schedule"), "providers.0.schedule"),
        (lambda d: d["appointment_types"][0].update(minutes=0), "appointment_types.0.minutes"),
        (lambda d: d["patients"][0].update(dob="03/12/1984"), "patients.0.dob"),
        (lambda d: d["appointments"][0].update(start="2026-12-03T10:00:00"), "appointments.0.start"),
        (lambda d: d["appointments"][0].update(provider_id="dr-nobody"), "file"),
        (lambda d: d["patients"].append(copy.deepcopy(d["patients"][0])), "file"),
    ],
)
def test_bad_files_are_refused_with_the_field(raw: dict[str, Any], mutate: Any, field: str) -> None:
    mutate(raw)
    with pytest.raises(ValidationFailed) as caught:
        parse_practice(raw)
    assert caught.value.status == 400
    assert any(key.startswith(field) for key in caught.value.detail), caught.value.detail
    assert "Gonzalez" not in json.dumps(caught.value.to_problem())


def test_extra_fields_are_kept(raw: dict[str, Any]) -> None:
    raw["practice"]["fax"] = "+16175550199"
    assert parse_practice(raw).practice.model_dump()["fax"] == "+16175550199"


def test_unreadable_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValidationFailed, match="not valid JSON"):
        load_practice_file(bad)
    with pytest.raises(ValidationFailed, match="not found"):
        load_practice_file(tmp_path / "missing.json")
