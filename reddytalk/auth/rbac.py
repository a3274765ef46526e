"""Roles and the access level every route declares (deny by default, OWASP API5 / ASVS 8.2.1).

``admin`` can do everything ``staff`` can, plus manage users and invites. ``operator`` is the
platform's own operator (made only with ``reddytalk users add-admin --operator``, never by invite
or sign-up): an admin of its practice who may also act on shared things such as the global intent
model. ``public`` routes need no
token (login, register, health); ``signed`` routes authenticate the caller themselves (webhook
signatures) and get no principal.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from reddytalk.errors import Forbidden


class Role(StrEnum):
    OPERATOR = "operator"
    ADMIN = "admin"
    STAFF = "staff"


Access = Literal["public", "signed", "staff", "admin", "operator"]
ACCESS_LEVELS: tuple[Access, ...] = ("public", "signed", "staff", "admin", "operator")

_RANK = {Role.STAFF: 1, Role.ADMIN: 2, Role.OPERATOR: 3}


@dataclass(frozen=True)
class Principal:
    """The verified caller of a request; ``practice_id`` scopes every query it makes."""

    user_id: str
    practice_id: str
    role: Role
    token_id: str

    @property
    def actor_id(self) -> str:
        return f"user:{self.user_id}"


def needs_token(access: Access) -> bool:
    return access in ("staff", "admin", "operator")


def permits(role: Role, access: Access) -> bool:
    if access in ("public", "signed"):
        return True
    return _RANK[role] >= _RANK[Role(access)]


def require(principal: Principal, access: Access) -> None:
    if not permits(principal.role, access):
        raise Forbidden("this action needs a different role")
