"""Post-call audio: assemble the recording (only with consent), then delete the raw call audio."""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from reddytalk.calls import recording
from reddytalk.calls.contracts import CallEnd
from reddytalk.services import get_services

bp = df.Blueprint()


@bp.activity_trigger(input_name="payload")
async def store_recording(payload: dict[str, Any]) -> str | None:
    return await recording.store_recording(get_services(), CallEnd.model_validate(payload))


@bp.activity_trigger(input_name="payload")
async def purge_call_audio(payload: dict[str, Any]) -> int:
    return await recording.purge_call_audio(get_services(), CallEnd.model_validate(payload))
