"""The call orchestration's own failure handling, on the local host, through the durable client.

Provider faults are absorbed below the orchestration (see ``test_call_failures``); what reaches it is
a step that fails for another reason. Here that is a malformed utterance event, raised as anything
with the durable client could raise it: a turn step that cannot process it fails beyond its retries
and the caller hears an apology (twice in a row: a hand-over to staff); an event the orchestration
cannot even read ends the call, and the post-call work (transcript, purge) still runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

import azure.durable_functions as df
import pytest
from callkit import CallWorld, host_env, seed, start_host

from devhost.durable.engine import DurableEngine
from devhost.host import HostThread
from reddytalk.calls.contracts import utterance_event
from reddytalk.calls.post_call import transcript_id
from reddytalk.calls.recovery import APOLOGY, GIVE_UP
from reddytalk.client.caller import CallerClient
from reddytalk.services import close_services
from reddytalk.stores.blobs.embedded import EmbeddedBlobStore

pytestmark = pytest.mark.engines


@dataclass
class RecoveryWorld:
    world: CallWorld
    handle: HostThread

    async def raise_event(self, instance_id: str, name: str, data: object) -> None:
        """Through the durable client, on the host's loop (the SDK's HTTP session belongs there)."""
        engine = self.handle.host.engine
        assert isinstance(engine, DurableEngine)

        async def send() -> None:
            client = df.DurableOrchestrationClient(engine.client_binding_json())
            await client.raise_event(instance_id, name, data)

        await asyncio.to_thread(self.handle.run, send())


@pytest.fixture(scope="module")
def recovery_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RecoveryWorld]:
    state = tmp_path_factory.mktemp("recovery")
    practice_id = seed(state)
    handle = start_host(state, host_env(state, HANDOFF_TIMEOUT_SECONDS="30"))
    try:
        yield RecoveryWorld(CallWorld(handle.base_url, state, practice_id), handle)
    finally:
        handle.run(close_services())
        handle.stop()


def unreadable_audio(session_id: str, turn: int) -> dict[str, object]:
    """A well-formed utterance no turn step can process (a sample rate of zero)."""
    return {
        "blob": f"{session_id}/caller-{turn:04d}.pcm",
        "turn": turn,
        "sample_rate": 0,
        "end_sample": 16000,
    }


async def test_a_failing_turn_step_is_apologised_for_then_handed_over(recovery_world: RecoveryWorld) -> None:
    world = recovery_world.world
    async with CallerClient(world.base_url, realtime=False) as caller:
        await caller.start(world.practice_id, consent=True)
        await caller.wait_greeting()
        first, second = caller.turn(1), caller.turn(2)
        await recovery_world.raise_event(
            caller.session_id, utterance_event(1), unreadable_audio(caller.session_id, 1)
        )
        await caller.silence_until(first.done_event, timeout=60)
        assert first.done is not None and first.done["reply"] == APOLOGY and first.audio
        assert [f["stage"] for f in first.done["failures"]] == ["turn"]
        assert not first.done["flags"].get("transfer")

        await recovery_world.raise_event(
            caller.session_id, utterance_event(2), unreadable_audio(caller.session_id, 2)
        )
        await caller.silence_until(second.done_event, timeout=60)
        assert second.done is not None and second.done["reply"] == GIVE_UP and second.audio
        assert second.done["flags"]["transfer"]
        assert any(alert["kind"] == "transfer" and alert["turn"] == 2 for alert in caller.alerts)
        ended = await caller.hang_up()
    assert ended is not None and ended["reason"] == "hangup" and ended["turns"] == 2
    assert ended["transcript_id"] == transcript_id(caller.session_id)


async def test_an_event_the_call_cannot_read_ends_it_and_post_call_still_runs(
    recovery_world: RecoveryWorld, voice
) -> None:
    world = recovery_world.world
    async with CallerClient(world.base_url, realtime=False) as caller:
        await caller.start(world.practice_id, consent=True)
        await caller.wait_greeting()
        turn = await caller.say(await voice("What are your hours?"))
        assert turn.audio
        await recovery_world.raise_event(caller.session_id, utterance_event(2), {"not": "an utterance"})
        ended = await caller.wait_ended(timeout=60)
    assert ended is not None and ended["reason"] == "error" and ended["turns"] == 1
    assert ended["transcript_id"] == transcript_id(caller.session_id)
    assert ended["recording"], "the recording was assembled before the purge"
    blobs = EmbeddedBlobStore(world.state / "blobs")
    try:
        assert await blobs.list("utterances", prefix=f"{caller.session_id}/") == [], "raw audio purged"
    finally:
        await blobs.close()
