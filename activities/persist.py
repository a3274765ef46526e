"""Post-call persistence: the transcript document and the call's metrics and cost."""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from reddytalk.calls import post_call
from reddytalk.calls.contracts import CallEnd
from reddytalk.services import get_services

bp = df.Blueprint()


@bp.activity_trigger(input_name="payload")
async def save_transcript(payload: dict[str, Any]) -> str:
    return await post_call.save_transcript(get_services(), CallEnd.model_validate(payload))


@bp.activity_trigger(input_name="payload")
async def record_call_metrics(payload: dict[str, Any]) -> dict[str, Any]:
    return await post_call.record_call_metrics(get_services(), CallEnd.model_validate(payload))


@bp.activity_trigger(input_name="payload")
async def summarize_call(payload: dict[str, Any]) -> dict[str, Any]:
    return await post_call.summarize_call(get_services(), CallEnd.model_validate(payload))


@bp.activity_trigger(input_name="payload")
async def queue_training_candidate(payload: dict[str, Any]) -> bool:
    return await post_call.queue_training_candidate(get_services(), CallEnd.model_validate(payload))


@bp.activity_trigger(input_name="payload")
async def announce_call_ended(payload: dict[str, Any]) -> None:
    await post_call.announce_call_ended(
        get_services(), CallEnd.model_validate(payload), payload.get("outcome", {})
    )
