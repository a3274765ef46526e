"""Human takeover end to end through the local host: a caller and a staff member, each on SignalR.

The caller asks for a person; the receptionist says its hand-off line and alerts the practice. A
staff member takes the call over: they hear the caller live (``caller.audio``), the caller hears
them (``turn.audio`` with ``speaker: staff``), the caller's words are still transcribed, and the
receptionist stays silent until the hand-back, after which it answers again. When nobody picks up
in ``HANDOFF_TIMEOUT_SECONDS``, the receptionist offers to take a message instead.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np
import pytest
from callkit import PRACTICE_FILE, CallWorld, host_env, seed, start_host
from pysignalr.client import SignalRClient as PySignalR

from audio.recording import decode_recording
from reddytalk.auth.passwords import Passwords
from reddytalk.auth.service import AuthService
from reddytalk.client.caller import CallerClient
from reddytalk.practice.loader import parse_practice
from reddytalk.practice.repository import seed_practice
from reddytalk.services import close_services
from reddytalk.settings import Settings
from reddytalk.stores.blobs.embedded import EmbeddedBlobStore
from reddytalk.stores.documents.embedded import EmbeddedDocumentStore

pytestmark = pytest.mark.engines

PASSWORD = "takeover test passphrase"
ASK_FOR_A_PERSON = "I want to talk to a real person"
STAFF_CHUNK = 3200  # 100 ms of PCM16 16 kHz


@dataclass
class TakeoverWorld:
    world: CallWorld
    other_practice: str
    tokens: dict[str, str] = field(default_factory=dict)  # email -> access token


async def _staff(state: Any, practice_id: str) -> str:
    """A second practice and staff accounts (admins pass staff routes), straight into the store."""
    store = EmbeddedDocumentStore(state / "documents.sqlite3")
    try:
        data = json.loads(PRACTICE_FILE.read_text())
        data["practice"]["id"] = "other-practice"
        for patient in data["patients"]:
            patient["id"] = f"other-{patient['id']}"
        for appt in data["appointments"]:
            appt["id"], appt["patient_id"] = f"other-{appt['id']}", f"other-{appt['patient_id']}"
        await seed_practice(store, parse_practice(data))
        auth = AuthService(store, Settings.from_env({}), passwords=Passwords())
        await auth.add_admin(practice_id, "ana@practice.test", PASSWORD, "Ana Front Desk")
        await auth.add_admin(practice_id, "ben@practice.test", PASSWORD, "Ben Front Desk")
        await auth.add_admin("other-practice", "oz@other.test", PASSWORD, "Oz Elsewhere")
    finally:
        await store.close()
    return "other-practice"


@pytest.fixture(scope="module")
def takeover_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TakeoverWorld]:
    state = tmp_path_factory.mktemp("takeover")
    practice_id = seed(state)
    other = asyncio.run(_staff(state, practice_id))
    handle = start_host(state, host_env(state, HANDOFF_TIMEOUT_SECONDS="6", IDLE_TIMEOUT_SECONDS="30"))
    try:
        world = TakeoverWorld(CallWorld(handle.base_url, state, practice_id), other)
        with httpx.Client(base_url=handle.base_url, timeout=30) as http:
            for email in ("ana@practice.test", "ben@practice.test", "oz@other.test"):
                r = http.post("/api/auth/login", json={"email": email, "password": PASSWORD})
                assert r.status_code == 200, r.text
                world.tokens[email] = r.json()["access_token"]
        yield world
    finally:
        handle.run(close_services())
        handle.stop()


def bearer(world: TakeoverWorld, email: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[email]}"}


class StaffLine:
    """The staff member's SignalR connection (their user gets ``caller.audio``; the practice group
    and, after the take-over, the call's group get the rest)."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        # A copy: the client replaces Authorization with the negotiated SignalR token in place.
        self.client = PySignalR(f"{base_url}/api/staff", headers=dict(headers))
        self.caller_audio: dict[int, bytes] = {}
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.opened = asyncio.Event()
        self.client.on_open(self._opened)
        self.client.on("caller.audio", self._audio)
        for name in ("call.taken_over", "call.handed_back", "session.alert", "turn.heard"):
            self.client.on(name, self._recorder(name))
        self.task: asyncio.Task[None] | None = None

    async def _opened(self) -> None:
        self.opened.set()

    async def _audio(self, args: list[Any]) -> None:
        self.caller_audio[int(args[0]["seq"])] = base64.b64decode(args[0]["data"])

    def _recorder(self, name: str) -> Any:
        async def record(args: list[Any]) -> None:
            self.events.append((name, args[0]))

        return record

    async def __aenter__(self) -> StaffLine:
        self.task = asyncio.create_task(self.client.run())
        await asyncio.wait_for(self.opened.wait(), 10)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task
        socket = getattr(getattr(self.client, "_transport", None), "_ws", None)
        if socket is not None:
            await socket.close()

    def named(self, name: str) -> list[dict[str, Any]]:
        return [payload for event, payload in self.events if event == name]


async def until(check: Any, timeout: float = 20) -> None:
    for _ in range(int(timeout / 0.1)):
        if check():
            return
        await asyncio.sleep(0.1)
    raise TimeoutError("condition not met in time")


def tone(ms: int, seq: int) -> bytes:
    """A recognisable staff chunk (not silence): a square wave, different per seq."""
    t = np.arange(16 * ms)
    return (np.where((t // 20) % 2, 4000, -4000) + seq).astype("<i2").tobytes()


async def test_staff_take_over_talk_and_hand_back(takeover_world: TakeoverWorld, voice) -> None:
    world = takeover_world.world
    ana = bearer(takeover_world, "ana@practice.test")
    async with (
        StaffLine(world.base_url, ana) as staff,
        CallerClient(world.base_url, realtime=False) as caller,
    ):
        await caller.start(world.practice_id, consent=True)
        await caller.wait_greeting()
        transfer = await caller.say(await voice(ASK_FOR_A_PERSON))
        assert transfer.done is not None and transfer.done["flags"]["transfer"]
        assert transfer.audio, "the hand-off line is spoken"
        await until(lambda: any(a["kind"] == "transfer" for a in staff.named("session.alert")))
        http = caller.http
        url = f"/api/calls/{caller.session_id}"

        # Another practice cannot see the call; a colleague cannot take it while Ana holds it.
        oz = bearer(takeover_world, "oz@other.test")
        assert (await http.post(f"{url}/takeover", headers=oz)).status_code == 404
        r = await http.post(f"{url}/takeover", headers=ana)
        assert r.status_code == 200, r.text
        taken = r.json()
        assert taken["negotiate"]["url"] and taken["urls"]["audio"].endswith(f"{url}/staff-audio")
        ben = bearer(takeover_world, "ben@practice.test")
        assert (await http.post(f"{url}/takeover", headers=ben)).status_code == 409
        assert (await http.post(f"{url}/handback", headers=ben)).status_code == 409
        await until(lambda: staff.named("call.taken_over"))
        assert staff.named("call.taken_over")[0]["staff_id"]

        # The staff member speaks: the caller hears it, labelled, once per seq.
        staff_audio: list[dict[str, Any]] = []

        async def on_audio(args: list[Any]) -> None:
            if args[0].get("speaker") == "staff":
                staff_audio.append(args[0])

        assert caller._signalr is not None
        caller._signalr.on("turn.audio", on_audio)
        token = {"X-Staff-Token": taken["staff_token"], "Content-Type": "application/octet-stream"}
        for seq in range(5):
            r = await http.post(
                f"{url}/staff-audio", params={"seq": seq}, content=tone(100, seq), headers=token
            )
            assert r.status_code == 202 and r.json()["duplicate"] is False, r.text
        again = await http.post(f"{url}/staff-audio", params={"seq": 2}, content=tone(100, 2), headers=token)
        assert again.json()["duplicate"] is True
        bad = await http.post(f"{url}/staff-audio", params={"seq": 9}, content=b"\x01\x02\x03", headers=token)
        assert bad.status_code == 400 and bad.headers["content-type"].startswith("application/problem+json")
        wrong = {**token, "X-Staff-Token": "not-the-token"}
        assert (
            await http.post(f"{url}/staff-audio", params={"seq": 9}, content=tone(100, 9), headers=wrong)
        ).status_code == 401
        await until(lambda: len(staff_audio) == 5)
        store = EmbeddedBlobStore(world.state / "blobs")
        try:  # kept for the recording until the call is filed
            kept = await store.list("utterances", prefix=f"{caller.session_id}/staff-")
            assert len(kept) == 5
        finally:
            await store.close()
        assert sorted(base64.b64decode(m["data"]) for m in staff_audio) == sorted(
            tone(100, s) for s in range(5)
        )

        # The caller talks to the staff member: heard live and transcribed, never answered.
        before = len(staff.caller_audio)
        heard = await caller.say(await voice("Hi, yes, I need to change my appointment"))
        assert "appointment" in heard.heard.lower()
        assert heard.done is not None and heard.done["reply"] == "" and not heard.audio
        assert not heard.reply_text, "the receptionist stays silent while staff has the call"
        assert len(staff.caller_audio) > before, "the staff member hears the caller"
        assert b"".join(staff.caller_audio.values()).strip(b"\x00"), (
            "and it is the caller's voice, not silence"
        )

        # Hand-back: the receptionist answers again.
        r = await http.post(f"{url}/handback", headers=ana)
        assert r.status_code == 200, r.text
        await until(lambda: staff.named("call.handed_back"))
        assert (
            await http.post(f"{url}/staff-audio", params={"seq": 10}, content=tone(100, 10), headers=token)
        ).status_code == 409
        after = await caller.say(await voice("What are your hours?"))
        assert after.done is not None and after.done["reply"] and after.audio
        ended = await caller.hang_up()

    assert ended is not None and ended["reason"] == "hangup"
    blobs = EmbeddedBlobStore(world.state / "blobs")
    try:
        samples, _ = decode_recording(await blobs.get("recordings", ended["recording"]))
        assert samples[:, 1].any(), "receptionist and staff are on the recording"
        assert await blobs.list("utterances", prefix=f"{caller.session_id}/") == []
    finally:
        await blobs.close()


async def test_nobody_picks_up_and_the_receptionist_offers_to_take_a_message(
    takeover_world: TakeoverWorld, voice
) -> None:
    world = takeover_world.world
    async with CallerClient(world.base_url, realtime=False) as caller:
        await caller.start(world.practice_id, consent=False)
        await caller.wait_greeting()
        transfer = await caller.say(await voice(ASK_FOR_A_PERSON))
        assert transfer.done is not None and transfer.done["flags"]["transfer"]
        offer = caller.turn(transfer.turn + 1)
        await caller.silence_until(offer.done_event, timeout=60)  # the caller holds, silent
        assert offer.done is not None and "message" in offer.done["reply"].lower()
        assert offer.audio, "the offer is spoken"
        ended = await caller.hang_up()
    assert ended is not None and ended["reason"] == "hangup"
