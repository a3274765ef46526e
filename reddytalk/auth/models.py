"""Request and response bodies of the auth API; the OpenAPI document is generated from these.

Request models forbid unknown fields, so server-owned fields (``practice_id``, ``role``, ids,
timestamps, status) can never be bound from a body (OWASP API3 mass assignment).
"""

from __future__ import annotations

import re
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, RootModel, field_validator

from reddytalk.auth.passwords import MAX_LENGTH, MIN_LENGTH
from reddytalk.auth.rbac import Role

_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
E164_PATTERN = r"^\+[1-9]\d{6,14}$"


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("not an e-mail address")
    return value


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("unknown IANA time zone") from None
    return value


Email = Annotated[str, Field(min_length=3, max_length=254), AfterValidator(_email)]
Password = Annotated[str, Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH)]
# Login accepts any length up to the cap so a too-short guess fails like a wrong one.
LoginPassword = Annotated[str, Field(min_length=1, max_length=MAX_LENGTH)]
PersonName = Annotated[str, Field(min_length=1, max_length=200)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class RegisterPractice(Strict):
    """Create a practice and its first admin."""

    practice_name: Annotated[str, Field(min_length=1, max_length=200)]
    practice_timezone: Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_zone)]
    practice_phone: Annotated[str, Field(pattern=E164_PATTERN)]
    practice_address: Annotated[str, Field(min_length=1, max_length=500)]
    email: Email
    password: Password
    full_name: PersonName


class JoinPractice(Strict):
    """Join a practice with an invite code an admin issued for this e-mail."""

    invite_code: Annotated[str, Field(min_length=10, max_length=200)]
    email: Email
    password: Password
    full_name: PersonName


class RegisterRequest(RootModel[RegisterPractice | JoinPractice]):
    """Either body; the one carrying ``invite_code`` joins, the other creates a practice."""


class LoginRequest(Strict):
    email: Annotated[str, Field(min_length=1, max_length=254)]
    password: LoginPassword


class TokenRequest(Strict):
    token: Annotated[str, Field(min_length=1, max_length=4096)]


class RefreshRequest(Strict):
    refresh_token: Annotated[str, Field(min_length=1, max_length=200)]


class InviteRequest(Strict):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"email": "sam@clinic.example"}]}
    )

    email: Email
    role: Role = Role.STAFF

    @field_validator("role")
    @classmethod
    def _practice_role(cls, value: Role) -> Role:
        if value is Role.OPERATOR:
            raise ValueError("operators are not invited (reddytalk users add-admin --operator)")
        return value


class UserOut(BaseModel):
    id: str
    practice_id: str
    role: Role
    email: str
    full_name: str
    status: str


class SessionOut(BaseModel):
    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    user: UserOut


class PrincipalOut(BaseModel):
    valid: bool
    user_id: str
    practice_id: str
    role: Role
    expires_at: int


class InviteOut(BaseModel):
    invite_code: str
    email: str
    role: Role
    expires_at: int


class UserList(BaseModel):
    items: list[UserOut]


class Ok(BaseModel):
    ok: bool = True
