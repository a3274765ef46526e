"""A 200-turn call: the orchestration continues as new every few turns, so its history stays small.

The caller posts whole utterances of near-silence (the recogniser hears nothing, the receptionist
asks again): every turn still runs the full durable path (event, orchestrator episode, turn
activity, entity signal), which is what this test is about.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from callkit import CallWorld, host_env, seed, start_host

from devhost.system_key import read_system_key
from reddytalk.client.caller import CallerClient
from reddytalk.services import close_services

pytestmark = pytest.mark.slow

TURNS = 200
PER_EPISODE = 8
QUIET = bytes(16000)  # half a second of digital silence


@pytest.fixture(scope="module")
def long_call_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CallWorld]:
    state = tmp_path_factory.mktemp("long-call")
    practice_id = seed(state)
    env = host_env(state, TURNS_PER_EPISODE=str(PER_EPISODE), REPLY_AUDIO_LEAD_MS="600000")
    handle = start_host(state, env)
    try:
        yield CallWorld(handle.base_url, state, practice_id)
    finally:
        handle.run(close_services())
        handle.stop()


def history_length(world: CallWorld, instance_id: str) -> int:
    r = httpx.get(
        f"{world.base_url}/runtime/webhooks/durabletask/instances/{instance_id}",
        params={"showHistory": "true"},
        headers={"x-functions-key": read_system_key(world.state / "host")},  # the host's system key
        timeout=10,
    )
    assert r.status_code in (200, 202), r.text  # 202 while the instance runs
    return len(r.json()["historyEvents"])


async def test_a_200_turn_call_keeps_a_bounded_history(long_call_world: CallWorld) -> None:
    lengths: dict[int, int] = {}
    async with CallerClient(long_call_world.base_url) as caller:
        await caller.start(long_call_world.practice_id, consent=False)
        await caller.wait_greeting()
        for number in range(1, TURNS + 1):
            turn = await caller.say_whole(QUIET)
            assert turn.done is not None and turn.done["turn"] == number
            lengths[number] = history_length(long_call_world, caller.session_id)
        status = await caller.status()
        ended = await caller.hang_up()

    assert status["state"]["totals"]["turns"] == TURNS
    assert ended is not None and ended["turns"] == TURNS
    # Within an episode the history grows by a few events per turn, then starts over.
    assert max(lengths.values()) <= 30 * PER_EPISODE
    late = [lengths[n] for n in range(TURNS - PER_EPISODE + 1, TURNS + 1)]
    early = [lengths[n] for n in range(1, PER_EPISODE + 1)]
    assert max(late) <= max(early) + 5, (early, late)
