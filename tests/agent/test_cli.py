"""``reddytalk chat`` and ``reddytalk seed`` as a user runs them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from agentkit import DEMO

from reddytalk.cli.main import main
from reddytalk.settings import get_settings
from reddytalk.stores.documents.base import Query
from reddytalk.stores.documents.embedded import EmbeddedDocumentStore


@pytest.fixture
def fresh_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    store = tmp_path / "documents.sqlite3"
    monkeypatch.setenv("DOCUMENTS_CONNECTION", f"UseEmbeddedStorage=true;Path={store}")
    monkeypatch.setenv("LLM_PROVIDER", "local")
    assert get_settings().llm_provider == "local"  # settings follow the environment
    yield store


def test_chat_json_books_and_reports(fresh_settings: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "chat", "--practice", str(DEMO), "--now", "2026-11-30T08:30:00-05:00", "--json",
            "--say", "I'd like to book a checkup with Dr. Chen on Friday at 10 am",
            "--say", "Tomasz Nowak, February 27 1963",
            "--say", "yes",
        ]
    )  # fmt: skip
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"turns", "appointments", "flags"}
    assert out["turns"][0]["caller"].startswith("I'd like to book")
    last = out["turns"][-1]
    assert last["tool_calls"][0]["name"] == "book_appointment"
    assert set(last["tool_calls"][0]) == {"name", "arguments", "result"}
    new = [a for a in out["appointments"] if a["patient_id"] == "pt-1010"]
    assert new == [
        {
            "id": new[0]["id"],
            "patient_id": "pt-1010",
            "provider_id": "dr-chen",
            "type": "physical",
            "start": "2026-12-04T10:00:00-05:00",
            "status": "booked",
        }
    ]
    assert out["flags"] == {
        "identity_verified": True,
        "emergency": False,
        "transfer": False,
        "ended": False,
        "message_taken": False,
    }
    assert not fresh_settings.exists()  # chat uses a throwaway store, never the configured one


def test_chat_text_output(fresh_settings: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["chat", "--practice", str(DEMO), "--say", "what are your hours?"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("agent:  Thanks for calling Maple Grove Family Medicine.")
    assert "[practice_info] ok=True" in out


def test_chat_bad_input_is_a_clear_error(
    fresh_settings: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"practice": {"id": "x"}}))
    assert main(["chat", "--practice", str(bad), "--say", "hi"]) == 2
    assert "practice file is invalid" in capsys.readouterr().err
    assert main(["chat", "--practice", str(DEMO), "--now", "yesterday", "--say", "hi"]) == 2


def test_seed_is_idempotent(fresh_settings: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seed", "--practice", str(DEMO)]) == 0
    assert main(["seed", "--practice", str(DEMO)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert json.loads(lines[0]) == {
        "practice_id": "maple-grove", "providers": 4, "appointment_types": 5, "patients": 10, "appointments": 7,
    }  # fmt: skip

    async def counts() -> tuple[int, int]:
        store = EmbeddedDocumentStore(fresh_settings)
        try:
            return (
                await store.count("patients", Query(where={"practice_id": "maple-grove"})),
                await store.count("appointments", Query(where={"kind": "appointment"})),
            )
        finally:
            await store.close()

    assert asyncio.run(counts()) == (10, 7)
