"""The route registry: every HTTP route declares its access level and models next to its handler.

The OpenAPI document (``api/openapi.py``) and the practice-isolation test matrix are generated from
this registry, and a test fails when a registered HTTP function has no declaration. Two ways in:

* ``endpoint(bp, "patients/{patient_id}", "GET", access="staff", response=PatientOut, ...)`` —
  declares the route, checks the bearer token and role (the verified principal is then available
  from ``api.guard.current_principal()``), maps errors to JSON problems and registers it on ``bp``.
* ``describe("calls/{call_id}/media", "GET", access="signed", ...)`` — declaration only, for
  handlers that keep their own ``bp.route`` (e.g. durable-client or webhook routes); put it *above*
  the ``bp.route`` decorator.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import azure.functions as func
from pydantic import BaseModel

from api.guard import guarded
from api.http import json_endpoint
from reddytalk.auth.rbac import ACCESS_LEVELS, Access

F = TypeVar("F", bound=Callable[..., Any])
_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::[^}?]*)?\??\}")


@dataclass(frozen=True)
class Header:
    """A request header a route reads (documented as an OpenAPI header parameter)."""

    name: str
    required: bool = False
    description: str = ""


@dataclass(frozen=True)
class RouteSpec:
    """What one route accepts and returns; ``route`` is as given to ``bp.route`` (no ``api/`` prefix)."""

    route: str
    method: str
    access: Access
    summary: str
    request: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    status: int = 200
    tags: tuple[str, ...] = ()
    # Path parameter that names a practice-owned resource (drives the cross-practice test matrix).
    resource_param: str | None = None
    # Non-JSON success content type (e.g. "text/html", "audio/wav"); None means JSON.
    content_type: str | None = None
    headers: tuple[Header, ...] = ()
    # Error statuses beyond those the access level and method imply (documented in OpenAPI).
    errors: tuple[int, ...] = ()

    @property
    def path_params(self) -> list[str]:
        return _PARAM.findall(self.route)

    @property
    def openapi_path(self) -> str:
        return "/api/" + _PARAM.sub(lambda m: "{" + m.group(1) + "}", self.route)


ROUTES: dict[tuple[str, str], RouteSpec] = {}


def declare(spec: RouteSpec) -> RouteSpec:
    if spec.access not in ACCESS_LEVELS:
        raise ValueError(f"{spec.method} {spec.route}: unknown access level {spec.access!r}")
    key = (spec.route, spec.method.upper())
    existing = ROUTES.get(key)
    if existing is not None and existing != spec:
        raise ValueError(f"{spec.method} {spec.route} is declared twice with different specs")
    ROUTES[key] = spec
    return spec


def describe(
    route: str,
    method: str,
    *,
    access: Access,
    summary: str,
    request: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    status: int = 200,
    tags: tuple[str, ...] = (),
    resource_param: str | None = None,
    content_type: str | None = None,
    headers: tuple[Header, ...] = (),
    errors: tuple[int, ...] = (),
) -> Callable[[F], F]:
    """Record a route's declaration and return the function unchanged."""
    declare(
        RouteSpec(
            route,
            method.upper(),
            access,
            summary,
            request,
            response,
            query,
            status,
            tags,
            resource_param,
            content_type,
            headers,
            errors,
        )
    )

    def decorator(fn: F) -> F:
        return fn

    return decorator


def endpoint(
    bp: func.Blueprint,
    route: str,
    method: str,
    *,
    access: Access,
    summary: str,
    request: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    status: int = 200,
    tags: tuple[str, ...] = (),
    resource_param: str | None = None,
    content_type: str | None = None,
    headers: tuple[Header, ...] = (),
    errors: tuple[int, ...] = (),
) -> Callable[[F], F]:
    """Declare the route, guard it by ``access``, wrap it in ``json_endpoint`` and register it on ``bp``."""
    describe(
        route,
        method,
        access=access,
        summary=summary,
        request=request,
        response=response,
        query=query,
        status=status,
        tags=tags,
        resource_param=resource_param,
        content_type=content_type,
        headers=headers,
        errors=errors,
    )
    spec = ROUTES[(route, method.upper())]

    def decorator(fn: F) -> F:
        wrapped = json_endpoint(guarded(spec.access)(fn))
        registered = bp.route(route=route, methods=[spec.method], auth_level=func.AuthLevel.ANONYMOUS)(
            wrapped
        )
        return registered

    return decorator
