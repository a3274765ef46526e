"""Post-call audio: assemble the recording (only with consent), then delete the raw call audio.

A timer backs the purge up: raw audio no finished call purged (the host crashed, a purge failed for
good) is swept once it is older than ``RAW_AUDIO_MAX_AGE_MINUTES``, so nothing lingers.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from reddytalk.calls import recording
from reddytalk.calls.contracts import CallEnd
from reddytalk.calls.ingest import get_ingest
from reddytalk.services import get_services

bp = df.Blueprint()
log = logging.getLogger(__name__)

EVERY_15_MINUTES = "0 */15 * * * *"


@bp.activity_trigger(input_name="payload")
async def store_recording(payload: dict[str, Any]) -> str | None:
    return await recording.store_recording(get_services(), CallEnd.model_validate(payload))


@bp.activity_trigger(input_name="payload")
async def purge_call_audio(payload: dict[str, Any]) -> int:
    end = CallEnd.model_validate(payload)
    services = get_services()
    get_ingest(services).forget(end.call.session_id)  # this process's cache; others expire theirs
    return await recording.purge_call_audio(services, end)


@bp.timer_trigger(schedule=EVERY_15_MINUTES, arg_name="timer", run_on_startup=False)
async def sweep_call_audio(timer: func.TimerRequest) -> None:
    deleted = await recording.sweep_stale_audio(get_services(), now=time.time())
    if deleted:
        log.warning("swept raw call audio no finished call purged", extra={"count": deleted})
