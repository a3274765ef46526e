"""Staged mode, step 2: the receptionist's reply, tool calls and new conversation state."""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from reddytalk.calls import turns
from reddytalk.calls.contracts import TurnRequest
from reddytalk.services import get_services

bp = df.Blueprint()


@bp.activity_trigger(input_name="payload")
async def respond_turn(payload: dict[str, Any]) -> dict[str, Any]:
    return await turns.respond(get_services(), TurnRequest.model_validate(payload))
