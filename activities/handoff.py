"""Activities of a hand-off to a person: wait, take over, hand back, listen, offer a message."""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from reddytalk.calls import handoff
from reddytalk.calls.contracts import Call, TurnRequest
from reddytalk.services import get_services

bp = df.Blueprint()


@bp.activity_trigger(input_name="payload")
async def begin_handoff(payload: dict[str, Any]) -> int:
    return await handoff.begin_handoff(get_services(), Call.model_validate(payload))


@bp.activity_trigger(input_name="payload")
async def staff_joined(payload: dict[str, Any]) -> None:
    await handoff.staff_joined(get_services(), Call.model_validate(payload["call"]), str(payload["staff_id"]))


@bp.activity_trigger(input_name="payload")
async def staff_left(payload: dict[str, Any]) -> None:
    await handoff.staff_left(get_services(), Call.model_validate(payload))


@bp.activity_trigger(input_name="payload")
async def listen_turn(payload: dict[str, Any]) -> dict[str, Any]:
    record = await handoff.listen_turn(get_services(), TurnRequest.model_validate(payload))
    return record.model_dump()


@bp.activity_trigger(input_name="payload")
async def offer_message_turn(payload: dict[str, Any]) -> dict[str, Any]:
    record = await handoff.offer_message_turn(get_services(), TurnRequest.model_validate(payload))
    return record.model_dump()
