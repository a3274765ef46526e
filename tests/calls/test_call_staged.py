"""Staged mode: separate transcribe, respond and synthesize activities give the same turn record."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from callkit import CallWorld, Voice, host_env, seed, start_host

from reddytalk.client.caller import CallerClient
from reddytalk.services import close_services

pytestmark = pytest.mark.engines


@pytest.fixture(scope="module")
def staged_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CallWorld]:
    state = tmp_path_factory.mktemp("staged")
    practice_id = seed(state)
    handle = start_host(state, host_env(state, TURN_MODE="staged"))
    try:
        yield CallWorld(handle.base_url, state, practice_id)
    finally:
        handle.run(close_services())
        handle.stop()


async def test_a_staged_turn_is_heard_answered_and_spoken(staged_world: CallWorld, voice: Voice) -> None:
    async with CallerClient(staged_world.base_url, realtime=False) as caller:
        await caller.start(staged_world.practice_id)
        await caller.wait_greeting()
        turn = await caller.say(await voice("what are your hours?"))
        ended = await caller.hang_up()
    assert "hours" in turn.heard.lower()
    assert turn.done is not None and "8 AM" in turn.done["reply"]
    assert [call["name"] for call in turn.done["tool_calls"]] == ["practice_info"]
    assert turn.audio and len(turn.reply_text) >= 2, "every sentence is sent, text and audio"
    timings = turn.done["timings_ms"]
    assert 0 < timings["stt_done_ms"] <= timings["first_audio_ms"] <= timings["done_ms"]
    assert timings["stt_ms"] > 0, "the transcribe step's recognition time reaches the turn record"
    assert ended is not None and ended["turns"] == 1
