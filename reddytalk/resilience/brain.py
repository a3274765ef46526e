"""The receptionist's brain with a backup: a cloud model, and the embedded local brain for any turn it fails.

The cloud brain already retries what can succeed within its turn budget; once it gives up (outage,
rate limit, time out, a stream cut it could not resume) the local brain answers the same turn from
the same working state, so the caller gets a real answer instead of a transfer. Text the cloud
brain streamed before failing has been spoken; the local reply follows it. If the local brain fails
too, the error reaches the receptionist, which apologises and transfers.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from reddytalk.agent.brains.base import Brain, BrainContext, BrainEvent
from reddytalk.resilience import incidents

log = logging.getLogger(__name__)

STAGE = "llm"


class FallbackBrain:
    def __init__(self, primary: Brain, backup: Brain) -> None:
        self.primary = primary
        self.backup = backup
        self.name = primary.name

    async def respond(self, ctx: BrainContext) -> AsyncIterator[BrainEvent]:
        try:
            async for event in self.primary.respond(ctx):
                yield event
            return
        except Exception as exc:  # whatever broke, this turn still gets an answer
            incidents.note(STAGE, self.primary.name, exc)
            log.warning(
                "brain failed; the backup answers this turn",
                extra={"provider": self.primary.name, "reason_code": incidents.reason_code(exc)},
            )
        async for event in self.backup.respond(ctx):
            yield event

    async def aclose(self) -> None:
        """Close the cloud brain's HTTP client (hosts that stop in one process, such as tests)."""
        client = getattr(self.primary, "client", None)
        close = getattr(client, "close", None)
        if close is not None:
            await close()
