"""The auth guard: verifies the bearer token and role before a handler runs.

The verified principal is put in a context variable for the duration of the request; handlers
read it with ``current_principal()`` and scope every query by ``principal.practice_id``, never by
an id taken from the URL or body.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import azure.functions as func

from api.deps import auth_service, bind_services, unbind_services
from reddytalk.auth.rbac import Access, Principal, needs_token, require
from reddytalk.errors import Unauthorized

_principal: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("principal", default=None)
H = TypeVar("H", bound=Callable[..., Awaitable[func.HttpResponse]])


def current_principal() -> Principal:
    principal = _principal.get()
    if principal is None:
        raise Unauthorized("authentication required")
    return principal


def bearer_token(req: func.HttpRequest) -> str:
    header = req.headers.get("authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("authentication required")
    return token.strip()


def client_address(req: func.HttpRequest, trusted_hops: int) -> str | None:
    """The client address the platform vouches for, or None when it vouches for none.

    Each trusted front end (``TRUSTED_PROXY_HOPS`` of them; App Service's is one) *appends* the
    address it saw to ``X-Forwarded-For``, so the client is the hop that many places from the end.
    Earlier hops, and headers such as ``X-Client-IP``, are whatever the client sent and are never
    used: trusting them would let an attacker pick a fresh address per guess. With no trusted
    front end (the local host passes no peer address) there is no address to key on.
    """
    if trusted_hops <= 0:
        return None
    hops = [h.strip() for h in (req.headers.get("x-forwarded-for") or "").split(",") if h.strip()]
    if len(hops) < trusted_hops:
        return None
    address = hops[-trusted_hops]
    if address.startswith("[") and "]" in address:  # [IPv6]:port
        return address[1 : address.index("]")]
    if address.count(":") == 1:  # IPv4 with a port; bare IPv6 addresses keep their colons
        address = address.split(":", 1)[0]
    return address[:64] or None


def _find_request(args: tuple[Any, ...], kwargs: dict[str, Any]) -> func.HttpRequest:
    for value in (*args, *kwargs.values()):
        if isinstance(value, func.HttpRequest):
            return value
    raise TypeError("guarded handlers take an HttpRequest")


def guarded(access: Access) -> Callable[[H], H]:
    """Require a valid token of a role that ``access`` permits (no-op for public/signed routes)."""

    def decorator(handler: H) -> H:
        if not needs_token(access):
            return handler

        @functools.wraps(handler)
        async def wrapper(*args: Any, **kwargs: Any) -> func.HttpResponse:
            req = _find_request(args, kwargs)
            services_token = bind_services()
            try:
                verified = await auth_service().verify(bearer_token(req))
                require(verified.principal, access)
                token = _principal.set(verified.principal)
                try:
                    return await handler(*args, **kwargs)
                finally:
                    _principal.reset(token)
            finally:
                unbind_services(services_token)

        return wrapper  # type: ignore[return-value]

    return decorator
