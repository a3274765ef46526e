"""``reddytalk users add-admin``: the operator bootstrap for practices loaded from a practice file."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from apiworld import practice_copy

from reddytalk.auth.service import AuthService
from reddytalk.cli.main import main
from reddytalk.practice.loader import parse_practice
from reddytalk.practice.repository import seed_practice
from reddytalk.settings import Settings
from reddytalk.stores.documents.embedded import EmbeddedDocumentStore


def test_add_admin_then_login(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "docs.sqlite3"

    async def seed() -> None:
        store = EmbeddedDocumentStore(db)
        await seed_practice(store, parse_practice(practice_copy("cli")))
        await store.close()

    asyncio.run(seed())
    monkeypatch.setenv("DOCUMENTS_CONNECTION", f"UseEmbeddedStorage=true;Path={db}")
    monkeypatch.setenv("REDDYTALK_ADMIN_PASSWORD", "operator chosen passphrase")
    args = [
        "users",
        "add-admin",
        "--practice-id",
        "cli-practice",
        "--email",
        "boss@cli.test",
        "--name",
        "Boss",
    ]
    assert main(args) == 0
    created = json.loads(capsys.readouterr().out)
    assert created["role"] == "admin" and created["practice_id"] == "cli-practice"
    assert "operator chosen passphrase" not in json.dumps(created)
    assert main(args) == 1  # the e-mail is taken now
    assert main([*args[:3], "no-such-practice", *args[4:]]) == 1

    async def login() -> str:
        store = EmbeddedDocumentStore(db)
        try:
            session = await AuthService(store, Settings.from_env({})).login(
                "boss@cli.test", "operator chosen passphrase", "127.0.0.1"
            )
            return session.user.practice_id
        finally:
            await store.close()

    assert asyncio.run(login()) == "cli-practice"


def test_short_password_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCUMENTS_CONNECTION", f"UseEmbeddedStorage=true;Path={tmp_path / 'd.sqlite3'}")
    monkeypatch.setenv("REDDYTALK_ADMIN_PASSWORD", "short")
    assert main(["users", "add-admin", "--practice-id", "p", "--email", "a@b.test", "--name", "A"]) == 1
