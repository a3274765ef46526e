"""Plays a caller: starts a call, streams audio in real time like a microphone, hears the replies.

Audio goes up as sequence-numbered chunks at real-time pace, silence included (a microphone never
stops), so the server's end-of-turn detector sees what it would see on a real call. Replies come
back over SignalR through ``pysignalr``. Latency is measured on this client's clock: from the moment
the last speech sample of an utterance was "spoken" to the arrival of the reply's first audio.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np
from pysignalr.client import SignalRClient

CHUNK_MS = 40
RATE = 16000


@dataclass
class HeardTurn:
    """What the client saw of one turn."""

    turn: int
    heard: str = ""
    reply_text: list[str] = field(default_factory=list)
    audio: bytearray = field(default_factory=bytearray)
    first_audio_at: float | None = None
    done: dict[str, Any] | None = None
    speech_end_at: float | None = None
    done_event: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def speech_end_to_first_audio_ms(self) -> float | None:
        if self.first_audio_at is None or self.speech_end_at is None:
            return None
        return round((self.first_audio_at - self.speech_end_at) * 1000, 1)


class CallerClient:
    """One call. Use as ``async with CallerClient(base_url) as caller: ...``."""

    def __init__(self, base_url: str, *, chunk_ms: int = CHUNK_MS, realtime: bool = True) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = httpx.AsyncClient(base_url=self.base_url, timeout=30)
        self.chunk_ms = chunk_ms
        self.realtime = realtime
        self.session_id = ""
        self.token = ""
        self.turns: dict[int, HeardTurn] = {}
        self.ended: dict[str, Any] | None = None
        self.alerts: list[dict[str, Any]] = []
        self._seq = 0
        self._signalr: SignalRClient | None = None
        self._signalr_task: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._ended_event = asyncio.Event()
        self._clock0 = 0.0
        self._sent_samples = 0

    async def __aenter__(self) -> CallerClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def turn(self, number: int) -> HeardTurn:
        if number not in self.turns:
            self.turns[number] = HeardTurn(number)
        return self.turns[number]

    async def start(
        self, practice_id: str, *, consent: bool = True, call_id: str | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"practice_id": practice_id, "recording_consent": consent}
        if call_id:
            body["call_id"] = call_id
        response = await self.http.post("/api/voice/sessions", json=body)
        response.raise_for_status()
        started: dict[str, Any] = response.json()
        self.session_id, self.token = started["session_id"], started["session_token"]
        await self._connect()
        return started

    async def _connect(self) -> None:
        client = SignalRClient(
            f"{self.base_url}/api?session_id={self.session_id}", headers={"X-Session-Token": self.token}
        )
        client.on("turn.heard", self._on_heard)
        client.on("turn.text", self._on_text)
        client.on("turn.audio", self._on_audio)
        client.on("turn.done", self._on_done)
        client.on("session.ended", self._on_ended)
        client.on("session.alert", self._on_alert)
        client.on_open(self._on_open)
        self._signalr = client
        self._signalr_task = asyncio.create_task(client.run())
        await asyncio.wait_for(self._connected.wait(), timeout=10)

    async def _on_open(self) -> None:
        self._connected.set()

    async def _on_heard(self, args: list[Any]) -> None:
        self.turn(args[0]["turn"]).heard = args[0]["text"]

    async def _on_text(self, args: list[Any]) -> None:
        self.turn(args[0]["turn"]).reply_text.append(args[0]["text"])

    async def _on_audio(self, args: list[Any]) -> None:
        message = args[0]
        turn = self.turn(message["turn"])
        data = base64.b64decode(message["data"])
        if data and turn.first_audio_at is None:
            turn.first_audio_at = time.time()
        turn.audio.extend(data)

    async def _on_done(self, args: list[Any]) -> None:
        turn = self.turn(args[0]["turn"])
        turn.done = args[0]
        turn.done_event.set()

    async def _on_ended(self, args: list[Any]) -> None:
        self.ended = args[0]
        self._ended_event.set()

    async def _on_alert(self, args: list[Any]) -> None:
        self.alerts.append(args[0])

    # --- audio up ----------------------------------------------------------------------------

    async def send_chunk(self, pcm: bytes, seq: int | None = None) -> httpx.Response:
        """Post one chunk (raw PCM16); ``seq`` defaults to the next number."""
        if seq is None:
            seq, self._seq = self._seq, self._seq + 1
        return await self.http.post(
            f"/api/voice/sessions/{self.session_id}/audio",
            params={"seq": seq},
            content=pcm,
            headers={"X-Session-Token": self.token, "Content-Type": "application/octet-stream"},
        )

    async def stream(self, pcm: bytes) -> None:
        """Send audio in real-time-sized chunks, paced like a live microphone."""
        step = RATE * self.chunk_ms // 1000 * 2
        if not self._clock0:
            self._clock0 = time.time()
        for offset in range(0, len(pcm), step):
            chunk = pcm[offset : offset + step]
            self._sent_samples += len(chunk) // 2
            if self.realtime:
                delay = self._clock0 + self._sent_samples / RATE - time.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            response = await self.send_chunk(chunk)
            response.raise_for_status()

    def stream_clock(self) -> float:
        """Wall time of the next sample to be sent."""
        return (self._clock0 or time.time()) + self._sent_samples / RATE

    async def silence_until(self, event: asyncio.Event, timeout: float) -> None:
        """Keep the microphone open (silence) until ``event`` is set or the call has ended."""
        silence = bytes(RATE * self.chunk_ms // 1000 * 2)
        deadline = time.time() + timeout
        while not event.is_set():
            if time.time() > deadline:
                raise TimeoutError("no reply in time")
            try:
                await self.stream(silence)
            except httpx.HTTPStatusError as exc:
                if exc.response.status_code == 409:  # the call has ended: the line is dead
                    return
                raise
            if not self.realtime:  # speech may go up faster than real time; silence is time passing
                await asyncio.sleep(self.chunk_ms / 1000)

    async def wait_greeting(self, timeout: float = 30) -> HeardTurn:
        greeting = self.turn(0)
        await self.silence_until(greeting.done_event, timeout)
        return greeting

    async def say(self, pcm: bytes, *, speech_end_s: float | None = None, timeout: float = 60) -> HeardTurn:
        """Speak ``pcm`` (16 kHz PCM16), then stay silent until the reply is done.

        ``speech_end_s`` is where speech ends inside ``pcm`` (default: found by energy).
        """
        number = max(self.turns, default=0) + 1
        turn = self.turn(number)
        end_s = speech_end_s if speech_end_s is not None else speech_end(pcm)
        turn.speech_end_at = self.stream_clock() + end_s
        await self.stream(pcm)
        await self.silence_until(turn.done_event, timeout)
        return turn

    async def say_whole(self, pcm: bytes, *, timeout: float = 60) -> HeardTurn:
        """Post a whole utterance at once (``final=true``), as a client with its own VAD does."""
        number = max(self.turns, default=0) + 1
        turn = self.turn(number)
        seq, self._seq = self._seq, self._seq + 1
        response = await self.http.post(
            f"/api/voice/sessions/{self.session_id}/audio",
            json={"seq": seq, "data": base64.b64encode(pcm).decode("ascii"), "final": True},
            headers={"X-Session-Token": self.token},
        )
        response.raise_for_status()
        turn.speech_end_at = time.time()
        await asyncio.wait_for(turn.done_event.wait(), timeout)
        return turn

    async def hang_up(self, wait: float = 30) -> dict[str, Any] | None:
        response = await self.http.post(
            f"/api/voice/sessions/{self.session_id}/end", headers={"X-Session-Token": self.token}
        )
        response.raise_for_status()
        return await self.wait_ended(wait)

    async def wait_ended(self, timeout: float = 30) -> dict[str, Any] | None:
        await asyncio.wait_for(self._ended_event.wait(), timeout)
        return self.ended

    async def interrupt(self) -> httpx.Response:
        return await self.http.post(
            f"/api/voice/sessions/{self.session_id}/interrupt", headers={"X-Session-Token": self.token}
        )

    async def status(self) -> dict[str, Any]:
        response = await self.http.get(
            f"/api/voice/sessions/{self.session_id}", headers={"X-Session-Token": self.token}
        )
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    async def close(self) -> None:
        if self._signalr_task is not None:
            self._signalr_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._signalr_task
            # pysignalr has no stop(): cancelling its loop leaves the WebSocket open, so close it here.
            socket = getattr(getattr(self._signalr, "_transport", None), "_ws", None)
            if socket is not None:
                await socket.close()
        await self.http.aclose()


def speech_end(pcm: bytes, threshold_db: float = -40.0) -> float:
    """Seconds from the start of ``pcm`` to the end of its last loud 10 ms frame."""
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768
    frame = RATE // 100
    frames = samples[: samples.size // frame * frame].reshape(-1, frame)
    if frames.size == 0:
        return 0.0
    level = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    loud = np.nonzero(level > threshold_db)[0]
    return float((loud[-1] + 1) * frame / RATE) if loud.size else 0.0
