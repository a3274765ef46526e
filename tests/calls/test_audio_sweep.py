"""The sweep behind the post-call purge: raw audio of a call that never finished is deleted once old,
while a call still writing audio is left alone (judged by each call's newest blob)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from reddytalk.calls.recording import sweep_stale_audio
from reddytalk.services import Services
from reddytalk.settings import Settings


async def test_stale_call_audio_is_swept_and_a_live_call_is_kept(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"BLOBS_CONNECTION": f"UseEmbeddedStorage=true;Path={tmp_path}", "RAW_AUDIO_MAX_AGE_MINUTES": "5"}
    )
    services = Services(settings)
    blobs, container = services.blobs, settings.utterances_container
    try:
        await blobs.put(container, "crashed/caller-0001.pcm", b"\0\0" * 100)
        await blobs.put(container, "crashed/chunks/00000001.pcm", b"\0\0" * 10)
        await blobs.put(container, "long-call/caller-0001.pcm", b"\0\0" * 100)
        await asyncio.sleep(1.0)
        await blobs.put(container, "long-call/caller-0042.pcm", b"\0\0" * 100)  # still talking
        newest_of_crashed = max(i.last_modified for i in await blobs.list(container, prefix="crashed/"))

        assert await sweep_stale_audio(services, now=newest_of_crashed + 60) == 0, "too young to sweep"
        deleted = await sweep_stale_audio(services, now=newest_of_crashed + 5 * 60 + 0.5)

        assert deleted == 2
        assert await blobs.list(container, prefix="crashed/") == []
        assert len(await blobs.list(container, prefix="long-call/")) == 2
    finally:
        await services.aclose()
