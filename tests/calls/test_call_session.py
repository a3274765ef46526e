"""End to end: a caller talks to the app on the local host over HTTP, replies come over SignalR.

Audio is the local TTS speaking the caller's lines, streamed as sequence-numbered chunks (faster than
real time: the end-of-turn detector counts samples, not wall time). Everything runs for real: the
durable call orchestration, the session entity, whisper, the receptionist, eSpeak, the stores.
"""

from __future__ import annotations

import asyncio
import base64
import random

import httpx
import pytest
from callkit import CallWorld, appointments_of

from audio.recording import decode_recording
from reddytalk.client.caller import CallerClient
from reddytalk.stores.blobs.embedded import EmbeddedBlobStore

pytestmark = pytest.mark.engines

BOOKING = [
    "I need to make an appointment",
    "My name is Maria Gonzalez, born March 12 1984",
    "I need a sick visit on Tuesday morning",
    "the second one please",
    "yes please",
]


def blobs(world: CallWorld) -> EmbeddedBlobStore:
    return EmbeddedBlobStore(world.state / "blobs")


async def test_booking_call_books_one_appointment_and_files_the_call(call_world: CallWorld, voice) -> None:
    before = await appointments_of(call_world.state, call_world.practice_id)
    async with CallerClient(call_world.base_url, realtime=False) as caller:
        await caller.start(call_world.practice_id, consent=True)
        greeting = await caller.wait_greeting()
        assert "automated assistant" in " ".join(greeting.reply_text)
        assert "recorded" in " ".join(greeting.reply_text)
        assert greeting.audio, "the greeting is spoken, not only written"
        for line in BOOKING:
            turn = await caller.say(await voice(line))
            assert turn.heard, f"nothing heard for {line!r}"
            assert turn.audio and turn.done is not None
            timings = turn.done["timings_ms"]
            assert 0 < timings["first_audio_ms"] <= timings["done_ms"]
        assert "all set" in turn.done["reply"]
        ended = await caller.hang_up()
        status = await caller.status()

    after = await appointments_of(call_world.state, call_world.practice_id)
    new = [a for a in after if a not in before]
    assert [(a["patient_id"], a["type"], a["start"]) for a in new] == [
        ("pt-1001", "sick-visit", "2026-12-01T08:15:00-05:00")
    ]
    assert ended is not None and ended["reason"] == "hangup" and ended["turns"] == len(BOOKING)
    assert status["state"]["totals"]["turns"] == len(BOOKING)
    assert status["state"]["flags"]["identity_verified"] is True

    store = blobs(call_world)
    try:
        recording = await store.get("recordings", ended["recording"])
        samples, rate = decode_recording(recording)
        assert rate == 16000 and samples.shape[1] == 2
        assert samples[:, 0].any() and samples[:, 1].any(), (
            "both caller and receptionist are on the recording"
        )
        assert await store.list("utterances", prefix=f"{caller.session_id}/") == [], "raw audio is purged"
    finally:
        await store.close()


async def test_declined_consent_leaves_no_audio_behind(call_world: CallWorld, voice) -> None:
    async with CallerClient(call_world.base_url, realtime=False) as caller:
        await caller.start(call_world.practice_id, consent=False)
        greeting = await caller.wait_greeting()
        assert "recorded" not in " ".join(greeting.reply_text)
        await caller.say(await voice("what are your hours?"))
        ended = await caller.hang_up()
    assert ended is not None and ended["recording"] is None
    store = blobs(call_world)
    try:
        assert await store.list("recordings", prefix=f"{call_world.practice_id}/{caller.session_id}") == []
        assert await store.list("utterances", prefix=f"{caller.session_id}/") == []
    finally:
        await store.close()


async def test_duplicate_and_out_of_order_chunks_are_heard_once_in_order(
    call_world: CallWorld, voice
) -> None:
    line = "I need to make an appointment"
    async with CallerClient(call_world.base_url, realtime=False) as caller:
        await caller.start(call_world.practice_id)
        await caller.wait_greeting()
        base = caller._seq
        pcm = await voice(line) + bytes(16000 * 2)  # the line and a second of silence
        step = 1280
        chunks = [pcm[i : i + step] for i in range(0, len(pcm), step)]
        order = list(range(len(chunks)))
        rng = random.Random(7)
        for i in range(0, len(order) - 4, 4):  # shuffle within windows of four
            window = order[i : i + 4]
            rng.shuffle(window)
            order[i : i + 4] = window
        turn = caller.turn(1)
        duplicates = 0
        for n, index in enumerate(order):
            response = await caller.send_chunk(chunks[index], seq=base + index)
            assert response.status_code == 202, response.text
            if n % 5 == 0:  # re-send an earlier chunk
                again = await caller.send_chunk(chunks[index], seq=base + index)
                assert again.status_code == 202 and again.json()["duplicate"] is True
                duplicates += 1
        caller._seq = base + len(chunks)
        await caller.silence_until(turn.done_event, timeout=60)
    assert duplicates > 5
    assert "appointment" in turn.heard.lower()
    assert turn.done is not None and "name" in turn.done["reply"]


async def test_bad_audio_and_bad_requests_get_clear_errors_and_the_call_goes_on(
    call_world: CallWorld, voice
) -> None:
    async with CallerClient(call_world.base_url, realtime=False) as caller:
        await caller.start(call_world.practice_id)
        await caller.wait_greeting()
        url = f"/api/voice/sessions/{caller.session_id}/audio"
        token = {"X-Session-Token": caller.token}
        http = caller.http

        def problem(r: httpx.Response, status: int) -> None:
            assert r.status_code == status, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["status"] == status and "Traceback" not in r.text

        raw = {**token, "Content-Type": "application/octet-stream"}
        problem(await http.post(url, params={"seq": 10_000}, content=b"\x01\x02\x03", headers=raw), 400)
        problem(await http.post(url, content=b"\x00\x00", headers=raw), 400)  # no seq
        problem(await http.post(url, params={"seq": "x"}, content=b"\x00\x00", headers=raw), 400)
        problem(await http.post(url, params={"seq": 10_001}, content=bytes(300_000), headers=raw), 413)
        problem(await http.post(url, json={"seq": 10_002, "data": "%%%not-base64"}, headers=token), 400)
        problem(await http.post(url, json={"seq": -1, "data": ""}, headers=token), 400)
        problem(await http.post(url, json={"seq": 1, "data": "", "extra": 1}, headers=token), 400)
        problem(
            await http.post(
                url, params={"seq": 10_003}, content=b"\x00\x00", headers={**raw, "X-Session-Token": "nope"}
            ),
            401,
        )
        problem(
            await http.post(
                url,
                params={"seq": 10_003},
                content=b"\x00\x00",
                headers={"Content-Type": "application/octet-stream"},
            ),
            401,
        )
        problem(
            await http.post(
                "/api/voice/sessions/call-unknown/audio", params={"seq": 0}, content=b"\x00\x00", headers=raw
            ),
            404,
        )
        problem(await http.post("/api/voice/sessions", json={"practice_id": "no-such-practice"}), 404)
        problem(
            await http.post(
                "/api/voice/sessions",
                json={"practice_id": call_world.practice_id, "audio_format": "mp3/44100"},
            ),
            400,
        )
        problem(
            await http.post(
                "/api/voice/sessions", content=b"{not json", headers={"Content-Type": "application/json"}
            ),
            400,
        )

        # A whole utterance in JSON (a client with its own VAD) still works after all that.
        pcm = await voice("what are your hours?")
        r = await http.post(
            url, json={"seq": 1, "data": base64.b64encode(pcm).decode(), "final": True}, headers=token
        )
        assert r.status_code == 202, r.text
        turn = caller.turn(1)
        await caller.silence_until(turn.done_event, timeout=60)
    assert turn.done is not None and "8 AM" in turn.done["reply"]


async def test_barge_in_stops_the_rest_of_the_reply(call_world: CallWorld) -> None:
    async with CallerClient(call_world.base_url, realtime=False) as caller:
        await caller.start(call_world.practice_id)
        greeting = caller.turn(0)
        await caller.send_chunk(bytes(1280))  # the microphone opens: the greeting starts
        while not greeting.audio:
            await asyncio.sleep(0.01)
        r = await caller.interrupt()
        assert r.status_code == 202 and r.json()["interrupted_turn"] == 0
        await caller.silence_until(greeting.done_event, timeout=30)
    assert greeting.done is not None and greeting.done["interrupted"] is True
    spoken = len(greeting.reply_text)
    full = greeting.done["reply"].count(". ") + 1
    assert spoken < full, "the sentences after the barge-in were never sent"


async def test_hanging_up_mid_reply_ends_the_call(call_world: CallWorld, voice) -> None:
    async with CallerClient(call_world.base_url, realtime=False) as caller:
        await caller.start(call_world.practice_id)
        await caller.wait_greeting()
        turn = caller.turn(1)
        await caller.stream(await voice("I need to make an appointment") + bytes(16000))
        while not turn.audio:
            await caller.stream(bytes(1280))
        ended = await caller.hang_up()
        await asyncio.wait_for(turn.done_event.wait(), 10)
    assert ended is not None and ended["reason"] == "hangup"
    assert turn.done is not None and turn.done["interrupted"] is True


async def test_a_silent_caller_is_hung_up_on_after_the_idle_limit(call_world: CallWorld) -> None:
    async with CallerClient(call_world.base_url) as caller:  # real time: silence takes its time
        await caller.start(call_world.practice_id)
        await caller.wait_greeting()
        await caller.silence_until(asyncio.Event(), timeout=30)  # returns when the line goes dead
        ended = await caller.wait_ended(30)
    assert ended is not None and ended["reason"] == "idle"


async def test_repeated_start_with_the_same_call_id_starts_nothing_new(call_world: CallWorld) -> None:
    async with httpx.AsyncClient(base_url=call_world.base_url) as http:
        body = {"practice_id": call_world.practice_id, "call_id": "pbx-4711"}
        first = await http.post("/api/voice/sessions", json=body)
        assert first.status_code == 201
        session_id, token = first.json()["session_id"], first.json()["session_token"]
        # Whoever repeats the call id without the call's token gets no token (no takeover) ...
        second = await http.post("/api/voice/sessions", json=body)
        assert second.status_code == 409 and "session_token" not in second.text
        # ... the holder of the token gets the same call back, with its own token ...
        again = await http.post("/api/voice/sessions", json=body, headers={"X-Session-Token": token})
        assert again.status_code == 200
        assert (again.json()["session_id"], again.json()["session_token"]) == (session_id, token)
        # ... and the first token keeps working.
        state = await http.get(f"/api/voice/sessions/{session_id}", headers={"X-Session-Token": token})
        assert state.status_code == 200
        await http.post(f"/api/voice/sessions/{session_id}/end", headers={"X-Session-Token": token})
