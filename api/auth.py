"""Auth routes: register (new practice or invite), login, validate, refresh, logout, invites, users."""

from __future__ import annotations

import azure.functions as func

from api.deps import auth_service, current_services
from api.guard import client_address, current_principal
from api.http import model_response, parse_json
from api.routes import endpoint
from reddytalk.auth.models import (
    InviteOut,
    InviteRequest,
    JoinPractice,
    LoginRequest,
    Ok,
    PrincipalOut,
    RefreshRequest,
    RegisterRequest,
    SessionOut,
    TokenRequest,
    UserList,
    UserOut,
)

bp = func.Blueprint()
TAGS = ("auth",)
NO_STORE = {"Cache-Control": "no-store"}


@endpoint(
    bp,
    "auth/register",
    "POST",
    access="public",
    summary="Create a practice and its first admin, or join a practice with an invite code",
    request=RegisterRequest,
    response=SessionOut,
    status=201,
    tags=TAGS,
)
async def auth_register(req: func.HttpRequest) -> func.HttpResponse:
    body = parse_json(req, RegisterRequest).root
    service = auth_service()
    if isinstance(body, JoinPractice):
        session = await service.join_practice(body)
    else:
        session = await service.register_practice(body)
    return model_response(session, 201, NO_STORE)


@endpoint(
    bp,
    "auth/login",
    "POST",
    access="public",
    summary="Sign in with e-mail and password",
    request=LoginRequest,
    response=SessionOut,
    tags=TAGS,
)
async def auth_login(req: func.HttpRequest) -> func.HttpResponse:
    body = parse_json(req, LoginRequest)
    address = client_address(req, current_services().settings.trusted_proxy_hops)
    session = await auth_service().login(body.email, body.password, address)
    return model_response(session, 200, NO_STORE)


@endpoint(
    bp,
    "auth/validate-token",
    "POST",
    access="public",
    summary="Check an access token and say whose it is",
    request=TokenRequest,
    response=PrincipalOut,
    tags=TAGS,
)
async def auth_validate_token(req: func.HttpRequest) -> func.HttpResponse:
    body = parse_json(req, TokenRequest)
    verified = await auth_service().verify(body.token)
    p = verified.principal
    out = PrincipalOut(
        valid=True, user_id=p.user_id, practice_id=p.practice_id, role=p.role, expires_at=verified.expires_at
    )
    return model_response(out, 200, NO_STORE)


@endpoint(
    bp,
    "auth/refresh-token",
    "POST",
    access="public",
    summary="Trade a refresh token (once) for a new access and refresh token",
    request=RefreshRequest,
    response=SessionOut,
    tags=TAGS,
)
async def auth_refresh_token(req: func.HttpRequest) -> func.HttpResponse:
    body = parse_json(req, RefreshRequest)
    session = await auth_service().refresh(body.refresh_token)
    return model_response(session, 200, NO_STORE)


@endpoint(
    bp,
    "auth/logout",
    "POST",
    access="staff",
    summary="End every session of the signed-in user (all refresh and access tokens)",
    response=Ok,
    tags=TAGS,
)
async def auth_logout(req: func.HttpRequest) -> func.HttpResponse:
    await auth_service().logout(current_principal())
    return model_response(Ok())


@endpoint(
    bp,
    "auth/invites",
    "POST",
    access="admin",
    summary="Invite a person (by e-mail) to join this practice with a role",
    request=InviteRequest,
    response=InviteOut,
    status=201,
    tags=TAGS,
)
async def auth_create_invite(req: func.HttpRequest) -> func.HttpResponse:
    body = parse_json(req, InviteRequest)
    invite = await auth_service().create_invite(current_principal(), body)
    return model_response(invite, 201, NO_STORE)


@endpoint(
    bp,
    "auth/users",
    "GET",
    access="admin",
    summary="List the users of this practice",
    response=UserList,
    tags=TAGS,
)
async def auth_list_users(req: func.HttpRequest) -> func.HttpResponse:
    users = await auth_service().list_users(current_principal())
    return model_response(UserList(items=users))


@endpoint(
    bp,
    "auth/users/{user_id}/disable",
    "POST",
    access="admin",
    summary="Disable a user of this practice and revoke all their sessions",
    response=UserOut,
    tags=TAGS,
    resource_param="user_id",
)
async def auth_disable_user(req: func.HttpRequest) -> func.HttpResponse:
    user = await auth_service().disable_user(current_principal(), req.route_params["user_id"])
    return model_response(user)
