"""The key call tests again on a host with two worker processes (``FUNCTIONS_WORKER_PROCESS_COUNT=2``).

The host dispatches each invocation to the worker with the fewest in flight, ties in turn, so a
call's audio chunks, its activities and its orchestration episodes spread over both processes: a
chunk's neighbours are usually handled by the other process. Audio intake must give the same
utterances as on one process (issue 14, "any worker, any instance"). Only three tests run here, to
keep CI time down; the whole ``tests/calls`` suite passes with the variable set in the environment.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
import test_call_session as session_tests
from callkit import CallWorld, host_env, seed, start_host

from reddytalk.client.caller import CallerClient
from reddytalk.services import close_services

pytestmark = pytest.mark.engines


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CallWorld]:
    state = tmp_path_factory.mktemp("calls-2w")
    practice_id = seed(state)
    handle = start_host(state, host_env(state, FUNCTIONS_WORKER_PROCESS_COUNT="2"))
    try:
        yield CallWorld(handle.base_url, state, practice_id)
    finally:
        handle.run(close_services())
        handle.stop()


async def test_booking_call_on_two_workers(two_workers: CallWorld, voice) -> None:
    await session_tests.test_booking_call_books_one_appointment_and_files_the_call(two_workers, voice)


async def test_duplicates_and_shuffles_on_two_workers(two_workers: CallWorld, voice) -> None:
    await session_tests.test_duplicate_and_out_of_order_chunks_are_heard_once_in_order(two_workers, voice)


async def test_whole_utterances_on_two_workers_are_heard_once_each(two_workers: CallWorld, voice) -> None:
    lines = ["what are your hours?", "thank you"]
    async with CallerClient(two_workers.base_url, realtime=False) as caller:
        await caller.start(two_workers.practice_id)
        await caller.wait_greeting()
        heard = []
        for line in lines:
            pcm = await voice(line)
            seq = caller._seq
            turn = await caller.say_whole(pcm)
            again = await caller.http.post(  # the same utterance again (a client retry)
                f"/api/voice/sessions/{caller.session_id}/audio",
                json={"seq": seq, "data": base64.b64encode(pcm).decode("ascii"), "final": True},
                headers={"X-Session-Token": caller.token},
            )
            assert again.status_code == 202 and again.json()["duplicate"] is True
            heard.append(turn.heard.lower())
        ended = await caller.hang_up()
    assert "hours" in heard[0] and "thank" in heard[1]
    assert ended is not None and ended["turns"] == len(lines)
