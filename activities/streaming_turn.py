"""The streaming turn: hear, think and speak in one step, first audio before the reply is finished."""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from reddytalk.calls import recovery, turns
from reddytalk.calls.contracts import Call, TurnRequest
from reddytalk.services import get_services

bp = df.Blueprint()


@bp.activity_trigger(input_name="payload")
async def streaming_turn(payload: dict[str, Any]) -> dict[str, Any]:
    record = await turns.streaming_turn(get_services(), TurnRequest.model_validate(payload))
    return record.model_dump()


@bp.activity_trigger(input_name="payload")
async def greet_caller(payload: dict[str, Any]) -> dict[str, Any]:
    record = await turns.greet(get_services(), Call.model_validate(payload))
    return record.model_dump()


@bp.activity_trigger(input_name="payload")
async def recover_turn(payload: dict[str, Any]) -> dict[str, Any]:
    """A turn's step failed: apologise and re-prompt (or hand over), saved as that turn's record."""
    request = TurnRequest.model_validate(payload["request"])
    record = await recovery.recover_turn(
        get_services(), request, str(payload["code"]), give_up=bool(payload["give_up"])
    )
    return record.model_dump()
