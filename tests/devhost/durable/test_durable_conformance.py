"""Durable behaviours of the local host checked against what Azure does (issue 17)."""

from __future__ import annotations

import asyncio
import logging

import azure.durable_functions as df
import pytest
from durable_harness import Harness


async def test_a_failed_entity_operation_from_a_signal_is_logged(
    host: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="devhost.durable")
    entity = df.EntityId("Counter", "signalled")
    await host.client.signal_entity(entity, "explode")
    await host.client.signal_entity(entity, "add", 5)
    for _ in range(200):
        state = await host.client.read_entity_state(entity)
        if state.entity_exists and state.entity_state == 5:
            break
        await asyncio.sleep(0.02)
    assert state.entity_state == 5  # the failure did not stop the entity
    failures = [r.getMessage() for r in caplog.records if "entity operation failed" in r.getMessage()]
    assert len(failures) == 1
    assert "counter(signalled).explode" in failures[0] and "bad op" in failures[0]
