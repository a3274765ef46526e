"""Messages on the training queue and the durable instance id each one runs under.

The instance id is derived from the message content, so a redelivered message (at-least-once
queues) finds its orchestration already started and starts nothing twice.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from reddytalk.errors import ValidationFailed

_ID = r"^[A-Za-z0-9_.:-]+$"


class CallCandidate(BaseModel):
    """A finished call offered for intent examples (ids only; the job reads the transcript)."""

    model_config = ConfigDict(extra="forbid")

    job: Literal["call_candidate"]
    session_id: str = Field(min_length=1, max_length=128, pattern=_ID)
    practice_id: str = Field(min_length=1, max_length=64, pattern=_ID)


class Retrain(BaseModel):
    """Retrain the intent model; ``request_id`` names the request (nightly date or an ops request)."""

    model_config = ConfigDict(extra="forbid")

    job: Literal["retrain"]
    request_id: str = Field("manual", min_length=1, max_length=128, pattern=_ID)


TrainingJob = Annotated[CallCandidate | Retrain, Field(discriminator="job")]
_ADAPTER: TypeAdapter[CallCandidate | Retrain] = TypeAdapter(TrainingJob)


class BadTrainingMessage(ValidationFailed):
    """The queue message is not a training job; the host retries it, then moves it to poison."""


def parse_job(body: bytes | str) -> CallCandidate | Retrain:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadTrainingMessage("training message is not JSON") from None
    try:
        return _ADAPTER.validate_python(data)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) or "message" for e in exc.errors()})
        raise BadTrainingMessage(f"training message is invalid ({', '.join(fields)})") from None


def instance_id(job: CallCandidate | Retrain) -> str:
    if isinstance(job, CallCandidate):
        digest = hashlib.sha256(f"{job.practice_id}\x00{job.session_id}".encode()).hexdigest()[:32]
        return f"training-call-{digest}"
    return f"training-retrain-{job.request_id}"
