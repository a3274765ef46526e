"""Throttling (HTTP 429) on the wire: the full load retries and still loads everything exactly once."""

from __future__ import annotations

import uuid

import pytest
from fixtures.throttling_proxy import Throttle, throttling_proxy

from reddytalk.migration import state
from reddytalk.migration.load import LoadOptions, full_load
from reddytalk.migration.transform import Converter
from reddytalk.migration.validate import ValidateOptions, validate
from reddytalk.migration.writer import RetryPolicy, Writer
from reddytalk.settings import Settings
from reddytalk.stores import open_documents

from .conftest import PART_BYTES

pytestmark = [pytest.mark.postgres, pytest.mark.azure]


async def test_full_load_survives_cosmos_throttling(
    legacy: state.Conn, reader: state.Conn, conv: Converter, cosmos_server: str
) -> None:
    upstream_port = int(cosmos_server.split("127.0.0.1:")[1].split("/")[0])
    throttle = Throttle(times=12)  # more than the Azure SDK's own 9 retries: our writer must retry too
    async with throttling_proxy(upstream_port, throttle) as connection:
        settings = Settings.from_env(
            {"DOCUMENTS_CONNECTION": connection, "DOCUMENTS_DATABASE": f"t{uuid.uuid4().hex[:10]}"}
        )
        store = open_documents(settings)
        writer = Writer(store, concurrency=8, policy=RetryPolicy(attempts=5, base_delay=0.001))
        try:
            loaded = await full_load(
                legacy,
                reader,
                writer,
                conv,
                LoadOptions(batch_rows=100, max_part_bytes=PART_BYTES, progress=False),
            )
            assert loaded.ok
            assert throttle.throttled > 0
            assert writer.stats.retries > 0
            throttle.times = 0
            checked = await validate(
                legacy, store, conv, ValidateOptions(sample=5, max_part_bytes=PART_BYTES)
            )
            assert checked.ok, checked.problems
        finally:
            await store.close()
