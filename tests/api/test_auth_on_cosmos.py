"""The auth flows that lean on store semantics (conditional writes, TTL fields, partition queries)
run unchanged against the Cosmos DB server, not only the embedded store."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from apiworld import FakeClock
from test_auth_service import PASSWORD, _practice

from reddytalk.auth.lockout import LockedOut
from reddytalk.auth.passwords import Passwords
from reddytalk.auth.service import AuthService
from reddytalk.errors import Unauthorized
from reddytalk.settings import Settings
from reddytalk.stores import open_documents
from reddytalk.stores.documents.base import DocumentStore

pytestmark = pytest.mark.azure


@pytest.fixture
async def cosmos_auth(
    cosmos_server: str, passwords: Passwords, clock: FakeClock
) -> AsyncIterator[AuthService]:
    settings = Settings.from_env(
        {"DOCUMENTS_CONNECTION": cosmos_server, "DOCUMENTS_DATABASE": f"a{uuid.uuid4().hex[:12]}"}
    )
    docs: DocumentStore = open_documents(settings)
    try:
        yield AuthService(docs, settings, passwords=passwords, clock=clock)
    finally:
        await docs.close()


async def test_lifecycle_and_refresh_race_on_cosmos(cosmos_auth: AuthService, clock: FakeClock) -> None:
    session = await cosmos_auth.register_practice(_practice())
    results = await asyncio.gather(
        *(cosmos_auth.refresh(session.refresh_token) for _ in range(3)), return_exceptions=True
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    assert len(winners) == 1 and all(isinstance(r, Unauthorized) for r in results if r not in winners)
    clock.advance(30)
    with pytest.raises(Unauthorized):
        await cosmos_auth.refresh(session.refresh_token)  # replay after the grace window: family revoked
    with pytest.raises(Unauthorized):
        await cosmos_auth.refresh(winners[0].refresh_token)  # type: ignore[union-attr]
    login = await cosmos_auth.login("admin@clinic-a.test", PASSWORD, "10.0.0.1")
    principal = (await cosmos_auth.verify(login.access_token)).principal
    await cosmos_auth.logout(principal)
    with pytest.raises(Unauthorized):
        await cosmos_auth.verify(login.access_token)


async def test_lockout_on_cosmos(cosmos_auth: AuthService) -> None:
    await cosmos_auth.register_practice(_practice())
    await asyncio.gather(
        *(cosmos_auth.login("admin@clinic-a.test", "wrong password!!", "10.0.0.9") for _ in range(5)),
        return_exceptions=True,
    )
    with pytest.raises(LockedOut):
        await cosmos_auth.login("admin@clinic-a.test", PASSWORD, "10.0.0.9")
