"""One error hierarchy for the whole app, each error mapped to an HTTP status.

Vendor and driver exceptions are translated into these at the edge (stores, providers), so the
rest of the code handles one set of types. ``transient`` tells retry and fallback logic whether
trying again can help. Messages must never contain PHI: they may reach logs and clients.
"""

from __future__ import annotations

from typing import Any


class ReddyTalkError(Exception):
    """Base of every error the app raises on purpose."""

    status: int = 500
    code: str = "internal_error"
    transient: bool = False

    def __init__(self, message: str, *, detail: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail or {}

    def to_problem(self, request_id: str | None = None) -> dict[str, Any]:
        """An RFC 9457 problem body; never carries a stack trace."""
        body: dict[str, Any] = {
            "type": f"https://reddytalk.ai/problems/{self.code}",
            "title": self.code.replace("_", " "),
            "status": self.status,
            "detail": self.message,
            "code": self.code,
        }
        if self.detail:
            body["errors"] = self.detail
        if request_id:
            body["request_id"] = request_id
        return body


class ConfigurationError(ReddyTalkError):
    """A setting is missing or malformed (e.g. a bad connection string)."""

    code = "configuration_error"


class ValidationFailed(ReddyTalkError):
    status = 400
    code = "validation_failed"


class BadAudio(ValidationFailed):
    """Audio that cannot be decoded: truncated, mis-declared, wrong format."""

    code = "bad_audio"


class Unauthorized(ReddyTalkError):
    status = 401
    code = "unauthorized"


class Forbidden(ReddyTalkError):
    status = 403
    code = "forbidden"


class NotFound(ReddyTalkError):
    status = 404
    code = "not_found"


class Conflict(ReddyTalkError):
    """A write lost a race: stale ETag, duplicate id, slot already taken."""

    status = 409
    code = "conflict"


class PreconditionFailed(Conflict):
    """An ``If-Match`` ETag no longer matches."""

    status = 412
    code = "precondition_failed"


class PayloadTooLarge(ReddyTalkError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(ReddyTalkError):
    status = 415
    code = "unsupported_media_type"


class TooManyRequests(ReddyTalkError):
    status = 429
    code = "too_many_requests"
    transient = True


class ServiceUnavailable(ReddyTalkError):
    """A dependency (store, AI provider) cannot be reached or is failing; may recover."""

    status = 503
    code = "service_unavailable"
    transient = True


class ProviderError(ReddyTalkError):
    """An AI provider failed. ``transient`` says whether another try (or provider) may help."""

    status = 502
    code = "provider_error"

    def __init__(self, message: str, *, provider: str, transient: bool) -> None:
        super().__init__(message, detail={"provider": provider})
        self.provider = provider
        self.transient = transient
