"""The receptionist's tool arguments: one pydantic model per tool, whose JSON schema is what an
LLM sees and against which every call (from a model or a parser: untrusted) is validated."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SLOTS_SHOWN = 6


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class IdentifyPatient(_Args):
    """Verify the caller by full name and date of birth before discussing any appointment."""

    name: str = Field(min_length=2, max_length=100, description="The caller's full name as they said it.")
    date_of_birth: date = Field(description="Date of birth, YYYY-MM-DD.")
    for_family_member: bool = Field(
        False,
        description="True when the caller acts for a family member who is the patient (a parent for a child).",
    )


class FindSlots(_Args):
    """Find free appointment times. Times in the result are the only times you may offer."""

    provider: str | None = Field(None, max_length=100, description="Provider id or name; omit for any.")
    appointment_type: str | None = Field(None, max_length=100, description="Appointment type id or name.")
    after: datetime = Field(description="Earliest start, ISO 8601 (with offset, or local practice time).")
    before: datetime = Field(description="Latest end, ISO 8601.")
    limit: int = Field(SLOTS_SHOWN, ge=1, le=50, description="At most this many slots, earliest first.")


class BookAppointment(_Args):
    """Book a slot returned by find_slots for the verified caller, after they said yes to it."""

    provider: str = Field(min_length=1, max_length=100, description="provider_id from find_slots.")
    appointment_type: str = Field(
        min_length=1, max_length=100, description="appointment_type from find_slots."
    )
    start: datetime = Field(description="start from find_slots.")


class RescheduleAppointment(_Args):
    """Move one of the verified caller's appointments to a slot returned by find_slots."""

    appointment_id: str = Field(min_length=1, max_length=64)
    start: datetime
    provider: str | None = Field(None, max_length=100, description="New provider id, if it changes.")


class CancelAppointment(_Args):
    """Cancel one of the verified caller's appointments, after they confirmed."""

    appointment_id: str = Field(min_length=1, max_length=64)


class PracticeInfo(_Args):
    """Practice facts: hours, address, phone, parking, insurance, directions, fees, and other FAQ topics."""

    topic: str = Field(min_length=1, max_length=60)


class TransferToStaff(_Args):
    """Hand the call to a person at the front desk."""

    reason: str = Field(min_length=1, max_length=200)


class TakeMessage(_Args):
    """Save a message for the practice's staff (callback request, prescription refill request,
    running late, or other). Never answer the medical content yourself; staff will call back."""

    kind: Literal["callback", "refill", "running_late", "handoff_unanswered", "other"] = Field(
        description="What the message is about."
    )
    caller_name: str = Field(min_length=1, max_length=100, description="The caller's name as they said it.")
    phone: str = Field("", max_length=40, description="The best number to call back, as said.")
    reason: str = Field("", max_length=500, description="The message in the caller's words.")


class AddToMessage(_Args):
    """Add what the caller said after take_message to that same message (no second message)."""

    text: str = Field(min_length=1, max_length=500)


class RegisterPatient(_Args):
    """Register a caller who is new to the practice, after collecting every field; they are then
    the verified caller and can book a new-patient visit."""

    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    date_of_birth: date = Field(description="Date of birth, YYYY-MM-DD.")
    phone: str = Field(min_length=7, max_length=40, description="Phone number as said (digits are kept).")
    insurance: str = Field("", max_length=100, description="Insurance plan, or 'self-pay'.")


class EndCall(_Args):
    """End the call after saying goodbye."""


TOOLS: dict[str, type[_Args]] = {
    "identify_patient": IdentifyPatient,
    "find_slots": FindSlots,
    "book_appointment": BookAppointment,
    "reschedule_appointment": RescheduleAppointment,
    "cancel_appointment": CancelAppointment,
    "practice_info": PracticeInfo,
    "transfer_to_staff": TransferToStaff,
    "take_message": TakeMessage,
    "add_to_message": AddToMessage,
    "register_patient": RegisterPatient,
    "end_call": EndCall,
}


def tool_schemas() -> list[dict[str, Any]]:
    """The tools in the OpenAI ``tools`` format."""
    out = []
    for name, model in TOOLS.items():
        schema = model.model_json_schema()
        schema.pop("title", None)
        schema.pop("description", None)
        for prop in schema.get("properties", {}).values():
            prop.pop("title", None)
        out.append(
            {
                "type": "function",
                "function": {
                    "name": name,
                    "description": (model.__doc__ or "").strip(),
                    "parameters": schema,
                },
            }
        )
    return out
