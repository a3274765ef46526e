"""Raising a durable event from an HTTP handler, with transient transport errors retried.

The durable client reaches the Functions host over HTTP; a dropped or refused connection (an
aiohttp ``ClientOSError`` under load, a host restarting) is transient, and surfacing it would answer
the caller's audio post with 500 and lose the utterance. Retried with ``stamina`` (bounded, with
jitter). Errors the host answers with (instance not found, not running) are not retried.
Raising the same utterance event twice is harmless: each turn takes the first event of its name.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import azure.durable_functions as df
import stamina

TRANSIENT = (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, asyncio.TimeoutError)


@stamina.retry(on=TRANSIENT, attempts=5, timeout=5.0, wait_initial=0.05, wait_max=1.0)
async def raise_event(client: df.DurableOrchestrationClient, instance_id: str, name: str, data: Any) -> None:
    await client.raise_event(instance_id, name, data)
