"""The API's domain services, built once per process on top of the shared ``reddytalk.services``.

Imports are deferred so that declaring a route (``api.routes``) stays cheap for every blueprint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reddytalk.appointments.service import StaffAppointments
    from reddytalk.auth.service import AuthService
    from reddytalk.patients.service import PatientRecords


def auth_service() -> AuthService:
    from reddytalk.auth.service import AuthService
    from reddytalk.services import get_services

    services = get_services()
    return services._get("auth", lambda: AuthService(services.documents, services.settings))


def patient_records() -> PatientRecords:
    from reddytalk.patients.service import PatientRecords
    from reddytalk.services import get_services

    services = get_services()
    return services._get("patients", lambda: PatientRecords(services.documents, services.audit))


def staff_appointments() -> StaffAppointments:
    from reddytalk.appointments.service import StaffAppointments
    from reddytalk.services import get_services

    services = get_services()
    return services._get("appointments", lambda: StaffAppointments(services.documents, services.audit))
