"""Staged mode, step 3: speak the finished reply and save the turn."""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from reddytalk.calls import turns
from reddytalk.calls.contracts import TurnRequest
from reddytalk.services import get_services

bp = df.Blueprint()


@bp.activity_trigger(input_name="payload")
async def synthesize_turn(payload: dict[str, Any]) -> dict[str, Any]:
    record = await turns.synthesize(get_services(), TurnRequest.model_validate(payload))
    return record.model_dump()
