"""Staged mode, step 1: the caller's words (reusing a speculative transcript when there is one)."""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from reddytalk.calls import turns
from reddytalk.calls.contracts import TurnRequest
from reddytalk.services import get_services

bp = df.Blueprint()


@bp.activity_trigger(input_name="payload")
async def transcribe_turn(payload: dict[str, Any]) -> dict[str, Any]:
    heard = await turns.transcribe(get_services(), TurnRequest.model_validate(payload))
    return heard.model_dump()
