"""The auth use cases against the real embedded store: lifecycle, refresh rotation, lockout, invites."""

from __future__ import annotations

import asyncio

import pytest
from apiworld import FakeClock

from reddytalk.auth.lockout import LockedOut
from reddytalk.auth.models import InviteRequest, JoinPractice, RegisterPractice
from reddytalk.auth.passwords import HashParams, Passwords
from reddytalk.auth.rbac import Role
from reddytalk.auth.service import AuthService
from reddytalk.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from reddytalk.settings import Settings
from reddytalk.stores.documents.base import Query
from reddytalk.stores.documents.embedded import EmbeddedDocumentStore

PASSWORD = "a long enough passphrase"


def _practice(email: str = "admin@clinic-a.test") -> RegisterPractice:
    return RegisterPractice(
        practice_name="Clinic A",
        practice_timezone="America/New_York",
        practice_phone="+15551230000",
        practice_address="1 Main St",
        email=email,
        password=PASSWORD,
        full_name="Ada Admin",
    )


async def test_full_lifecycle(auth: AuthService, documents: EmbeddedDocumentStore) -> None:
    session = await auth.register_practice(_practice())
    assert session.user.role is Role.ADMIN
    verified = await auth.verify(session.access_token)
    assert verified.principal.practice_id == session.user.practice_id
    practice = await documents.read("practices", session.user.practice_id, session.user.practice_id)
    assert practice["kind"] == "practice" and practice["name"] == "Clinic A"

    login = await auth.login("ADMIN@clinic-a.test", PASSWORD, "10.0.0.1")
    refreshed = await auth.refresh(login.refresh_token)
    assert refreshed.refresh_token != login.refresh_token
    await auth.verify(refreshed.access_token)

    await auth.logout(verified.principal)
    for token in (session.access_token, login.access_token, refreshed.access_token):
        with pytest.raises(Unauthorized):
            await auth.verify(token)
    for rt in (session.refresh_token, refreshed.refresh_token):
        with pytest.raises(Unauthorized):
            await auth.refresh(rt)
    again = await auth.login("admin@clinic-a.test", PASSWORD, "10.0.0.1")
    await auth.verify(again.access_token)


async def test_stored_user_has_no_plaintext_and_a_phc_hash(
    auth: AuthService, documents: EmbeddedDocumentStore
) -> None:
    session = await auth.register_practice(_practice())
    user = await documents.read("users", session.user.id, session.user.id)
    assert PASSWORD not in str(user)
    assert user["password_hash"].startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    tokens = await documents.query("tokens", Query(partition_key=session.user.id))
    assert all(session.refresh_token not in str(doc) for doc in tokens.items)


async def test_duplicate_email_is_rejected_case_insensitively(auth: AuthService) -> None:
    await auth.register_practice(_practice())
    with pytest.raises(Conflict):
        await auth.register_practice(_practice("Admin@Clinic-A.test"))


async def test_unknown_user_and_wrong_password_look_the_same(auth: AuthService) -> None:
    await auth.register_practice(_practice())
    errors = []
    for email, pw in (
        ("admin@clinic-a.test", "wrong password!!"),
        ("nobody@clinic-a.test", "wrong password!!"),
    ):
        with pytest.raises(Unauthorized) as info:
            await auth.login(email, pw, "10.0.0.2")
        errors.append((type(info.value), info.value.message, info.value.status))
    assert errors[0] == errors[1]


async def test_refresh_reuse_revokes_the_whole_family(auth: AuthService, clock: FakeClock) -> None:
    session = await auth.register_practice(_practice())
    first = await auth.refresh(session.refresh_token)
    second = await auth.refresh(first.refresh_token)
    clock.advance(30)  # a stolen token replayed later
    with pytest.raises(Unauthorized):
        await auth.refresh(session.refresh_token)  # replay of a rotated token
    with pytest.raises(Unauthorized):
        await auth.refresh(second.refresh_token)  # the live descendant died with the family
    other = await auth.login("admin@clinic-a.test", PASSWORD, "10.0.0.3")
    assert (await auth.refresh(other.refresh_token)).refresh_token  # other sessions are untouched


async def test_two_simultaneous_refreshes_have_exactly_one_winner(
    auth: AuthService, clock: FakeClock
) -> None:
    session = await auth.register_practice(_practice())
    for _ in range(5):
        results = await asyncio.gather(
            *(auth.refresh(session.refresh_token) for _ in range(2)), return_exceptions=True
        )
        winners = [r for r in results if not isinstance(r, BaseException)]
        losers = [r for r in results if isinstance(r, BaseException)]
        assert len(winners) == 1, results
        assert all(isinstance(e, Unauthorized) for e in losers)
        session = winners[0]  # type: ignore[assignment]
        await auth.verify(session.access_token)
        clock.advance(1)
    # The loser did not revoke the winner's family.
    assert (await auth.refresh(session.refresh_token)).refresh_token


async def test_refresh_family_has_an_absolute_lifetime(auth: AuthService, clock: FakeClock) -> None:
    session = await auth.register_practice(_practice())
    token = session.refresh_token
    for _ in range(11):
        clock.advance(3600)
        token = (await auth.refresh(token)).refresh_token
    clock.advance(3601)
    with pytest.raises(Unauthorized):
        await auth.refresh(token)


async def test_access_token_expires_with_the_clock(auth: AuthService, clock: FakeClock) -> None:
    session = await auth.register_practice(_practice())
    clock.advance(14 * 60)
    await auth.verify(session.access_token)
    clock.advance(2 * 60)
    with pytest.raises(Unauthorized):
        await auth.verify(session.access_token)


async def test_lockout_after_five_failures_then_doubling(auth: AuthService, clock: FakeClock) -> None:
    await auth.register_practice(_practice())
    for _ in range(5):
        with pytest.raises(Unauthorized):
            await auth.login("admin@clinic-a.test", "wrong password!!", "10.1.1.1")
    with pytest.raises(LockedOut) as locked:
        await auth.login("admin@clinic-a.test", PASSWORD, "10.1.1.1")  # even the right password
    assert 0 < locked.value.retry_after <= 15 * 60
    clock.advance(15 * 60 + 1)
    for _ in range(5):
        with pytest.raises(Unauthorized):
            await auth.login("admin@clinic-a.test", "wrong password!!", "10.1.1.2")
    with pytest.raises(LockedOut) as second:
        await auth.login("admin@clinic-a.test", PASSWORD, "10.1.1.2")
    assert 15 * 60 < second.value.retry_after <= 30 * 60
    clock.advance(30 * 60 + 1)
    session = await auth.login("admin@clinic-a.test", PASSWORD, "10.1.1.2")
    assert session.access_token


async def test_lockout_does_not_reveal_whether_the_account_exists(auth: AuthService) -> None:
    await auth.register_practice(_practice())
    outcomes = []
    for email in ("admin@clinic-a.test", "ghost@clinic-a.test"):
        for _ in range(5):
            with pytest.raises(Unauthorized):
                await auth.login(email, "wrong password!!", f"10.2.0.{len(outcomes)}")
        with pytest.raises(LockedOut) as info:
            await auth.login(email, "wrong password!!", f"10.2.0.{len(outcomes)}")
        outcomes.append((info.value.status, info.value.message, info.value.retry_after))
    assert outcomes[0] == outcomes[1]


async def test_lockout_per_client_address(auth: AuthService) -> None:
    await auth.register_practice(_practice())
    for i in range(20):  # spraying many accounts from one address
        with pytest.raises(Unauthorized):
            await auth.login(f"user{i}@clinic-a.test", "wrong password!!", "10.9.9.9")
    with pytest.raises(LockedOut):
        await auth.login("admin@clinic-a.test", PASSWORD, "10.9.9.9")
    assert (await auth.login("admin@clinic-a.test", PASSWORD, "10.9.9.10")).access_token


async def test_concurrent_failures_are_all_counted(auth: AuthService) -> None:
    await auth.register_practice(_practice())
    results = await asyncio.gather(
        *(auth.login("admin@clinic-a.test", "wrong password!!", "10.3.0.1") for _ in range(5)),
        return_exceptions=True,
    )
    assert all(isinstance(r, Unauthorized) for r in results)
    with pytest.raises(LockedOut):
        await auth.login("admin@clinic-a.test", PASSWORD, "10.3.0.1")


async def test_invite_join_and_disable(auth: AuthService) -> None:
    admin = await auth.register_practice(_practice())
    admin_p = (await auth.verify(admin.access_token)).principal
    invite = await auth.create_invite(admin_p, InviteRequest(email="sam@clinic-a.test"))
    with pytest.raises(Unauthorized):  # the invite is bound to the invited e-mail
        await auth.join_practice(
            JoinPractice(
                invite_code=invite.invite_code, email="eve@evil.test", password=PASSWORD, full_name="Eve"
            )
        )
    staff = await auth.join_practice(
        JoinPractice(
            invite_code=invite.invite_code, email="sam@clinic-a.test", password=PASSWORD, full_name="Sam"
        )
    )
    assert staff.user.role is Role.STAFF and staff.user.practice_id == admin.user.practice_id
    with pytest.raises(Unauthorized):  # single use
        await auth.join_practice(
            JoinPractice(
                invite_code=invite.invite_code, email="sam@clinic-a.test", password=PASSWORD, full_name="Sam"
            )
        )
    disabled = await auth.disable_user(admin_p, staff.user.id)
    assert disabled.status == "disabled"
    with pytest.raises(Unauthorized):
        await auth.verify(staff.access_token)
    with pytest.raises(Unauthorized):
        await auth.refresh(staff.refresh_token)
    with pytest.raises(Unauthorized):
        await auth.login("sam@clinic-a.test", PASSWORD, "10.4.0.1")
    with pytest.raises(ValidationFailed):
        await auth.disable_user(admin_p, admin_p.user_id)


async def test_invite_expires(auth: AuthService, clock: FakeClock) -> None:
    admin = await auth.register_practice(_practice())
    admin_p = (await auth.verify(admin.access_token)).principal
    invite = await auth.create_invite(admin_p, InviteRequest(email="late@clinic-a.test", role=Role.ADMIN))
    clock.advance(72 * 3600 + 1)
    with pytest.raises(Unauthorized):
        await auth.join_practice(
            JoinPractice(
                invite_code=invite.invite_code, email="late@clinic-a.test", password=PASSWORD, full_name="L"
            )
        )


async def test_admin_cannot_disable_a_user_of_another_practice(auth: AuthService) -> None:
    a = await auth.register_practice(_practice("a@clinic-a.test"))
    b = await auth.register_practice(_practice("b@clinic-b.test"))
    a_p = (await auth.verify(a.access_token)).principal
    with pytest.raises(NotFound):
        await auth.disable_user(a_p, b.user.id)
    await auth.verify(b.access_token)


async def test_login_rehashes_when_parameters_rise(
    documents: EmbeddedDocumentStore, settings: Settings, clock: FakeClock
) -> None:
    old = AuthService(documents, settings, passwords=Passwords(), clock=clock)
    session = await old.register_practice(_practice())
    new = AuthService(
        documents, settings, passwords=Passwords(HashParams(memory_kib=24_576, time_cost=3)), clock=clock
    )
    await new.login("admin@clinic-a.test", PASSWORD, "10.5.0.1")
    user = await documents.read("users", session.user.id, session.user.id)
    assert user["password_hash"].startswith("$argon2id$v=19$m=24576,t=3,p=1$")
    await new.login("admin@clinic-a.test", PASSWORD, "10.5.0.1")


async def test_invite_survives_a_join_with_a_taken_email(auth: AuthService) -> None:
    admin = await auth.register_practice(_practice())
    admin_p = (await auth.verify(admin.access_token)).principal
    invite = await auth.create_invite(admin_p, InviteRequest(email="admin@clinic-a.test"))
    with pytest.raises(Conflict):
        await auth.join_practice(
            JoinPractice(
                invite_code=invite.invite_code, email="admin@clinic-a.test", password=PASSWORD, full_name="A"
            )
        )
    other = await auth.create_invite(admin_p, InviteRequest(email="new@clinic-a.test"))
    joined = await auth.join_practice(
        JoinPractice(
            invite_code=other.invite_code, email="new@clinic-a.test", password=PASSWORD, full_name="N"
        )
    )
    assert joined.user.role is Role.STAFF
    spent = await auth._read_invite(invite.invite_code)
    assert spent is not None  # still usable after the failed join
