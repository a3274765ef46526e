"""The realtime side of messages: a new one is announced to the practice's staff group.

Kept apart from the service so the service itself needs no SignalR (tests and tools can run it
on a store alone). A failed announcement never loses the message: it is saved first, and the
dashboard's list is the source of truth.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from reddytalk.calls.messages import practice_group
from reddytalk.errors import ReddyTalkError
from reddytalk.messages.service import Publish

if TYPE_CHECKING:
    from reddytalk.services import Services

log = logging.getLogger(__name__)


def staff_publisher(services: Services) -> Publish:
    async def publish(practice_id: str, event: str, payload: dict[str, Any]) -> None:
        try:
            await services.signalr.send_to_group(practice_group(practice_id), event, payload)
        except ReddyTalkError as exc:
            log.warning("staff announcement failed", extra={"code": exc.code})

    return publish
