"""Finding 6: the intent model is shared by every practice, so a practice admin (anyone can
register a practice and become one) may not retrain it; a platform operator may, and is audited."""

from __future__ import annotations

import asyncio

from apiworld import PASSWORD, World, audit_entries, login
from probes import probe

from reddytalk.auth.passwords import Passwords
from reddytalk.auth.rbac import Role
from reddytalk.auth.service import AuthService
from reddytalk.settings import Settings
from reddytalk.stores.documents.embedded import EmbeddedDocumentStore

F = "training"


def _add_operator(world: World) -> str:
    async def add() -> str:
        store = EmbeddedDocumentStore(world.documents_path)
        try:
            auth = AuthService(store, Settings.from_env({}), passwords=Passwords())
            user = await auth.add_admin(
                world.a.practice_id, "ops@a.test", PASSWORD, "Ops", role=Role.OPERATOR
            )
            return user.id
        finally:
            await store.close()

    return asyncio.run(add())


def test_a_practice_admin_cannot_retrain_the_global_model(sec_world: World) -> None:
    with sec_world.client() as c:
        fresh = c.post(
            "/api/auth/register",
            json={
                "practice_name": "Self Registered Clinic",
                "practice_timezone": "UTC",
                "practice_phone": "+15550002222",
                "practice_address": "1 Any Street",
                "email": "owner@self.test",
                "password": PASSWORD,
                "full_name": "Self Owner",
            },
        )
        assert fresh.status_code == 201, fresh.text
        newcomer = {"Authorization": f"Bearer {fresh.json()['access_token']}"}
        probe(F, c.post("/api/training/retrain", headers=newcomer), 403, "self-registered admin")
        probe(F, c.post("/api/training/retrain", headers=sec_world.b.admin.headers), 403, "practice admin")
        probe(F, c.post("/api/training/retrain", headers=sec_world.a.staff.headers), 403, "staff")
        probe(F, c.post("/api/training/retrain"), 401, "no token")


def test_an_operator_can_and_the_request_is_audited(sec_world: World) -> None:
    operator_id = _add_operator(sec_world)
    with sec_world.client() as c:
        operator = login(c, "ops@a.test")
        r = probe(F, c.post("/api/training/retrain", headers=operator.headers), 202, "platform operator")
    entries = audit_entries(sec_world, sec_world.a.practice_id, r.json()["instance_id"])
    assert [(e["actor_id"], e["action"], e["outcome"]) for e in entries] == [
        (f"user:{operator_id}", "retrain", "requested")
    ]


def test_nobody_is_invited_as_an_operator(sec_world: World) -> None:
    with sec_world.client() as c:
        r = c.post(
            "/api/auth/invites",
            json={"email": "x@a.test", "role": "operator"},
            headers=sec_world.a.admin.headers,
        )
        probe(F, r, 400, "invite with role operator")
