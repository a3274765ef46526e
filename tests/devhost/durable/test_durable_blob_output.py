"""Fan-out/fan-in with a blob output binding on the activity, against Azurite (issue 17)."""

from __future__ import annotations

from pathlib import Path

import pytest
from azure.storage.blob import BlobServiceClient
from durable_harness import running_engine

from devhost.host import HostStartError, LocalHost

APP = Path(__file__).parent.parent / "apps" / "fanout_blob_app"


async def test_each_activity_writes_its_blob(
    tmp_path: Path, azurite: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    container = f"reports-{tmp_path.name.lower().replace('_', '-')}"[:63]
    monkeypatch.setenv("ReportsStorage", azurite)
    monkeypatch.setenv("REPORTS_CONTAINER", container)
    async with running_engine(tmp_path / "state", app="fanout_blob_app") as host:
        instance_id = await host.client.start_new("squares", None, 5)
        status = await host.wait(instance_id)
        assert status.runtime_status.value == "Completed", status.output
        assert status.output == sum(i * i for i in range(5))
    blobs = BlobServiceClient.from_connection_string(azurite).get_container_client(container)
    texts = sorted(blobs.download_blob(b.name).readall().decode() for b in blobs.list_blobs())
    assert texts == sorted(f"{i}^2={i * i}" for i in range(5))


async def test_a_blob_output_on_embedded_storage_fails_the_start(tmp_path: Path) -> None:
    env = {"ReportsStorage": f"UseEmbeddedStorage=true;Path={tmp_path}", "REPORTS_CONTAINER": "r"}
    with pytest.raises(HostStartError) as info:
        await LocalHost(APP, tmp_path / "state", port=0, env=env).start()
    assert "function square" in str(info.value) and "Azure Storage" in str(info.value)
