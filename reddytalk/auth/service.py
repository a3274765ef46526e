"""The auth use cases: register, join by invite, login, validate, refresh, logout, disable.

Users live in the ``users`` container (partition ``id``). E-mail uniqueness is enforced by an index
document ``email-<sha256(lower(email))>`` created before the user, so two registrations of one
address race on a single conditional create. Each user carries a ``token_version``; access tokens
embed it, and logout or disable bump it, so every outstanding access token dies with the sessions.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reddytalk.auth.lockout import LoginThrottle
from reddytalk.auth.models import (
    InviteOut,
    InviteRequest,
    JoinPractice,
    RegisterPractice,
    SessionOut,
    UserOut,
)
from reddytalk.auth.passwords import Passwords
from reddytalk.auth.rbac import Principal, Role
from reddytalk.auth.refresh import RefreshTokens
from reddytalk.auth.tokens import AccessTokens
from reddytalk.errors import Conflict, NotFound, PreconditionFailed, Unauthorized, ValidationFailed
from reddytalk.practice.models import Practice
from reddytalk.settings import Settings
from reddytalk.stores.documents.base import DocumentStore, Query

log = logging.getLogger("reddytalk.auth")

USERS = "users"
PRACTICES = "practices"
INVITE_LIFETIME_SECONDS = 72 * 3600
# A new practice opens on weekdays until its admin sets real hours (the practice-file format).
DEFAULT_HOURS: dict[str, list[tuple[str, str]]] = {
    d: [("09:00", "17:00")] for d in ("mon", "tue", "wed", "thu", "fri")
}
_BAD_LOGIN = "invalid email or password"


def _email_key(email: str) -> str:
    return "email-" + hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _clean(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def user_out(doc: dict[str, Any]) -> UserOut:
    return UserOut(
        id=doc["id"],
        practice_id=doc["practice_id"],
        role=Role(doc["role"]),
        email=doc["email"],
        full_name=doc["full_name"],
        status=doc["status"],
    )


@dataclass(frozen=True)
class Verified:
    principal: Principal
    expires_at: int


class AuthService:
    def __init__(
        self,
        documents: DocumentStore,
        settings: Settings,
        *,
        passwords: Passwords | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._docs = documents
        self._clock = clock
        self.passwords = passwords or Passwords()
        self.access = AccessTokens(
            settings.jwt_secret.get_secret_value(),
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            lifetime_seconds=settings.access_token_minutes * 60,
            clock=clock,
        )
        self.refresh_tokens = RefreshTokens(
            documents, lifetime_seconds=settings.refresh_token_days * 86400, clock=clock
        )
        self.throttle = LoginThrottle(documents, clock=clock)

    # --- registration ----------------------------------------------------------------------
    async def register_practice(self, req: RegisterPractice) -> SessionOut:
        practice_id = "prc-" + uuid.uuid4().hex  # ids start with a letter (audit identifiers)
        now = self._now_iso()
        password_hash = await self.passwords.hash(req.password)
        user = await self._create_user(
            practice_id=practice_id,
            role=Role.ADMIN,
            email=req.email,
            full_name=req.full_name,
            password_hash=password_hash,
        )
        practice = Practice(
            id=practice_id,
            name=req.practice_name,
            timezone=req.practice_timezone,
            phone=req.practice_phone,
            address=req.practice_address,
            hours=DEFAULT_HOURS,
        )
        await self._docs.create(
            PRACTICES,
            {
                **practice.model_dump(mode="json"),
                "practice_id": practice_id,
                "kind": "practice",
                "created_at": now,
                "created_by": user["id"],
            },
        )
        log.info("practice registered", extra={"event": "practice_registered", "practice_id": practice_id})
        return await self._new_session(user)

    async def add_admin(
        self, practice_id: str, email: str, password: str, full_name: str, *, role: Role = Role.ADMIN
    ) -> UserOut:
        """Operator bootstrap: the first admin of a practice that was seeded from a practice file
        (or, with ``role=Role.OPERATOR``, a platform operator; nothing else can make one)."""
        try:
            await self._docs.read(PRACTICES, practice_id, practice_id)
        except NotFound:
            raise NotFound("no such practice") from None
        password_hash = await self.passwords.hash(password)
        user = await self._create_user(
            practice_id=practice_id,
            role=role,
            email=email,
            full_name=full_name,
            password_hash=password_hash,
        )
        log.info(
            "admin added", extra={"event": "admin_added", "user_id": user["id"], "practice_id": practice_id}
        )
        return user_out(user)

    async def join_practice(self, req: JoinPractice) -> SessionOut:
        invite = await self._read_invite(req.invite_code)
        if invite is None or invite["email_key"] != _email_key(req.email):
            raise Unauthorized("invalid or expired invite")
        password_hash = await self.passwords.hash(req.password)
        spent = _clean(invite) | {"used_at": int(self._clock())}
        try:
            await self._docs.replace(PRACTICES, spent, etag=invite["_etag"])
        except (PreconditionFailed, NotFound):
            raise Unauthorized("invalid or expired invite") from None
        try:
            user = await self._create_user(
                practice_id=invite["practice_id"],
                role=Role(invite["role"]),
                email=req.email,
                full_name=req.full_name,
                password_hash=password_hash,
                created_by=invite["created_by"],
            )
        except Conflict:
            # The e-mail already has an account: give the invite back rather than burn it.
            await self._docs.upsert(PRACTICES, spent | {"used_at": None})
            raise
        log.info("user joined", extra={"event": "user_joined", "user_id": user["id"]})
        return await self._new_session(user)

    async def create_invite(self, admin: Principal, req: InviteRequest) -> InviteOut:
        now = int(self._clock())
        code = f"inv1.{admin.practice_id}.{secrets.token_urlsafe(32)}"
        expires_at = now + INVITE_LIFETIME_SECONDS
        await self._docs.create(
            PRACTICES,
            {
                "id": "invite-" + hashlib.sha256(code.encode()).hexdigest(),
                "practice_id": admin.practice_id,
                "kind": "invite",
                "email_key": _email_key(req.email),
                "role": req.role.value,
                "created_by": admin.user_id,
                "created_at": now,
                "expires_at": expires_at,
                "used_at": None,
            },
        )
        log.info("invite created", extra={"event": "invite_created", "actor_id": admin.user_id})
        return InviteOut(invite_code=code, email=req.email, role=req.role, expires_at=expires_at)

    # --- sessions -------------------------------------------------------------------------
    async def login(self, email: str, password: str, address: str | None) -> SessionOut:
        """Same status, body and (roughly) time for an unknown e-mail and a wrong password."""
        await self.throttle.check(email, address)
        user = await self._user_by_email(email)
        result = await self.passwords.verify(user["password_hash"] if user else None, password)
        if user is None or not result.ok or user.get("status") != "active":
            await self.throttle.failure(email, address)
            log.info("login failed", extra={"event": "login_failed"})
            raise Unauthorized(_BAD_LOGIN)
        await self.throttle.success(email)
        if result.needs_rehash:
            user = await self._rehash(user, password)
        log.info("login", extra={"event": "login_succeeded", "user_id": user["id"]})
        return await self._new_session(user)

    async def verify(self, token: str) -> Verified:
        """A valid access token of an active user whose sessions were not revoked since."""
        claims = self.access.verify(token)
        principal = claims.principal
        user = await self._read_user(principal.user_id)
        if (
            user is None
            or user.get("status") != "active"
            or user.get("practice_id") != principal.practice_id
            or user.get("role") != principal.role.value
            or int(user.get("token_version", 0)) != claims.token_version
        ):
            raise Unauthorized("invalid token")
        return Verified(principal, claims.expires_at)

    async def refresh(self, refresh_token: str) -> SessionOut:
        grant = await self.refresh_tokens.rotate(refresh_token)
        user = await self._read_user(grant.user_id)
        if user is None or user.get("status") != "active":
            await self.refresh_tokens.revoke_family(grant.user_id, grant.family_id)
            raise Unauthorized("invalid refresh token")
        return self._session(user, grant.token, grant.expires_at)

    async def logout(self, principal: Principal) -> None:
        await self._revoke_everything(principal.user_id)
        log.info("logout", extra={"event": "logout", "user_id": principal.user_id})

    # --- user management (admin) ------------------------------------------------------------
    async def list_users(self, admin: Principal) -> list[UserOut]:
        page = await self._docs.query(
            USERS,
            Query(where={"type": "user", "practice_id": admin.practice_id}, order_by="email", limit=500),
        )
        return [user_out(doc) for doc in page.items]

    async def disable_user(self, admin: Principal, user_id: str) -> UserOut:
        user = await self._read_user(user_id)
        if user is None or user.get("practice_id") != admin.practice_id:
            raise NotFound("user not found")
        if user_id == admin.user_id:
            raise ValidationFailed("an admin cannot disable their own account")
        user = await self._update_user(user_id, lambda doc: doc.update(status="disabled"))
        await self._revoke_everything(user_id)
        log.info(
            "user disabled", extra={"event": "user_disabled", "user_id": user_id, "actor_id": admin.user_id}
        )
        return user_out(user)

    # --- helpers ------------------------------------------------------------------------------
    async def _create_user(
        self,
        *,
        practice_id: str,
        role: Role,
        email: str,
        full_name: str,
        password_hash: str,
        created_by: str | None = None,
    ) -> dict[str, Any]:
        user_id = uuid.uuid4().hex
        index_id = _email_key(email)
        try:
            await self._docs.create(USERS, {"id": index_id, "type": "email_index", "user_id": user_id})
        except Conflict:
            raise Conflict("an account with this e-mail already exists") from None
        now = self._now_iso()
        try:
            return await self._create_user_doc(
                user_id, practice_id, role, email, full_name, password_hash, created_by, now
            )
        except BaseException:
            await self._docs.delete(USERS, index_id, index_id)  # release the e-mail again
            raise

    async def _create_user_doc(
        self,
        user_id: str,
        practice_id: str,
        role: Role,
        email: str,
        full_name: str,
        password_hash: str,
        created_by: str | None,
        now: str,
    ) -> dict[str, Any]:
        return await self._docs.create(
            USERS,
            {
                "id": user_id,
                "type": "user",
                "practice_id": practice_id,
                "role": role.value,
                "email": email,
                "email_lower": email.strip().lower(),
                "full_name": full_name,
                "status": "active",
                "password_hash": password_hash,
                "token_version": 0,
                "created_at": now,
                "updated_at": now,
                "created_by": created_by,
            },
        )

    async def _new_session(self, user: dict[str, Any]) -> SessionOut:
        grant = await self.refresh_tokens.start_family(user_id=user["id"], practice_id=user["practice_id"])
        return self._session(user, grant.token, grant.expires_at)

    def _session(self, user: dict[str, Any], refresh_token: str, refresh_expires_at: int) -> SessionOut:
        issued = self.access.issue(
            user_id=user["id"],
            practice_id=user["practice_id"],
            role=Role(user["role"]),
            token_version=int(user.get("token_version", 0)),
        )
        now = int(self._clock())
        return SessionOut(
            access_token=issued.token,
            expires_in=issued.expires_at - now,
            refresh_token=refresh_token,
            refresh_expires_in=max(refresh_expires_at - now, 0),
            user=user_out(user),
        )

    async def _revoke_everything(self, user_id: str) -> None:
        await self._update_user(
            user_id, lambda doc: doc.update(token_version=int(doc.get("token_version", 0)) + 1)
        )
        await self.refresh_tokens.revoke_all(user_id)

    async def _rehash(self, user: dict[str, Any], password: str) -> dict[str, Any]:
        new_hash = await self.passwords.hash(password)
        return await self._update_user(user["id"], lambda doc: doc.update(password_hash=new_hash))

    async def _update_user(self, user_id: str, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        for _ in range(5):
            doc = await self._read_user(user_id)
            if doc is None:
                raise NotFound("user not found")
            updated = _clean(doc)
            change(updated)
            updated["updated_at"] = self._now_iso()
            try:
                return await self._docs.replace(USERS, updated, etag=doc["_etag"])
            except PreconditionFailed:
                continue
        raise Conflict("the user changed concurrently; try again")

    async def _user_by_email(self, email: str) -> dict[str, Any] | None:
        index = await self._read(USERS, _email_key(email), _email_key(email))
        if index is None:
            return None
        return await self._read_user(str(index["user_id"]))

    async def _read_user(self, user_id: str) -> dict[str, Any] | None:
        doc = await self._read(USERS, user_id, user_id)
        return doc if doc is not None and doc.get("type") == "user" else None

    async def _read_invite(self, code: str) -> dict[str, Any] | None:
        prefix, _, rest = code.partition(".")
        practice_id, _, secret = rest.rpartition(".")
        if prefix != "inv1" or not practice_id or len(secret) < 40:
            return None
        doc = await self._read(PRACTICES, "invite-" + hashlib.sha256(code.encode()).hexdigest(), practice_id)
        if doc is None or doc.get("kind") != "invite" or doc.get("used_at") is not None:
            return None
        if int(doc["expires_at"]) <= self._clock():
            return None
        return doc

    async def _read(self, container: str, doc_id: str, partition_key: str) -> dict[str, Any] | None:
        try:
            return await self._docs.read(container, doc_id, partition_key)
        except NotFound:
            return None

    def _now_iso(self) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self._clock()))
