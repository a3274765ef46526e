"""The API's domain services, built once per process on top of the shared ``reddytalk.services``.

The guard resolves the process services once per request (``bind_services``) and every dependency
below reuses them, so a request pays for one settings lookup, not one per service. Imports are
deferred so that declaring a route (``api.routes``) stays cheap for every blueprint.
"""

from __future__ import annotations

import contextvars
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reddytalk.appointments.service import StaffAppointments
    from reddytalk.auth.service import AuthService
    from reddytalk.messages.service import MessageService
    from reddytalk.patients.service import PatientRecords
    from reddytalk.services import Services

_request_services: contextvars.ContextVar[Services | None] = contextvars.ContextVar("services", default=None)


def current_services() -> Services:
    services = _request_services.get()
    if services is None:
        from reddytalk.services import get_services

        services = get_services()
    return services


def bind_services() -> contextvars.Token[Services | None]:
    """Pin the process services for the rest of this request (undo with ``unbind_services``)."""
    from reddytalk.services import get_services

    return _request_services.set(get_services())


def unbind_services(token: contextvars.Token[Services | None]) -> None:
    _request_services.reset(token)


def auth_service() -> AuthService:
    from reddytalk.auth.service import AuthService

    services = current_services()
    return services.cached("auth", lambda: AuthService(services.documents, services.settings))


def patient_records() -> PatientRecords:
    from reddytalk.patients.service import PatientRecords

    services = current_services()
    return services.cached("patients", lambda: PatientRecords(services.documents, services.audit))


def staff_appointments() -> StaffAppointments:
    from reddytalk.appointments.service import StaffAppointments

    services = current_services()
    return services.cached("appointments", lambda: StaffAppointments(services.documents, services.audit))


def message_service() -> MessageService:
    from reddytalk.messages.publish import staff_publisher
    from reddytalk.messages.service import MessageService

    services = current_services()
    return services.cached(
        "messages",
        lambda: MessageService(services.documents, services.audit, publish=staff_publisher(services)),
    )
