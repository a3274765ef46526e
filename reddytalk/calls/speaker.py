"""Speaks a reply sentence by sentence: synthesize, push over SignalR, stop on barge-in.

The first sentence's audio leaves as soon as the engine yields it, so the caller hears the reply
begin while the rest is still being written and synthesized. After that, audio is paced to stay
at most ``lead_seconds`` ahead of playback, so a barge-in silences the rest of the reply.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from reddytalk.calls import messages
from reddytalk.errors import ProviderError
from reddytalk.realtime.signalr import SignalRClient
from reddytalk.resilience import incidents
from reddytalk.voice.formats import AudioFormat
from reddytalk.voice.tts.base import TextToSpeech
from reddytalk.voice.tts.fallback import SpeechInterrupted


class Speaker:
    """Pushes one turn's reply; remembers what it sent for the recording and the timings."""

    def __init__(
        self,
        *,
        session_id: str,
        turn: int,
        fmt: AudioFormat,
        tts: TextToSpeech,
        signalr: SignalRClient,
        should_stop: Callable[[], Awaitable[bool]],
        lead_seconds: float = 1.0,
    ) -> None:
        self.session_id = session_id
        self.turn = turn
        self.fmt = fmt
        self.tts = tts
        self.signalr = signalr
        self.should_stop = should_stop
        self.group = messages.session_group(session_id)
        self.audio = bytearray()
        self.first_audio_at: float | None = None
        self.characters = 0
        self.sentences = 0
        self.interrupted = False
        self.failed_sentences = 0
        self.tts_seconds = 0.0
        self.lead_seconds = lead_seconds
        self.audio_seconds = 0.0  # reply audio pushed so far
        self._chunk_bytes = fmt.bytes_for(messages.AUDIO_CHUNK_MS / 1000)
        self._fmt_name = f"{fmt.encoding}/{fmt.sample_rate}"

    async def say(self, sentence: str) -> None:
        """Streaming: synthesize one sentence and send its audio as it is made."""
        await self._speak(sentence, self.tts.synthesize(sentence.strip(), fmt=self.fmt))

    async def say_all(self, sentences: list[str]) -> None:
        """Staged: synthesize the whole reply first, then send it (first audio waits for the last word)."""
        started = time.perf_counter()
        rendered: list[tuple[str, bytes]] = []
        for sentence in sentences:
            if sentence.strip():
                try:
                    audio = b"".join(
                        [chunk async for chunk in self.tts.synthesize(sentence.strip(), fmt=self.fmt)]
                    )
                except SpeechInterrupted:  # cut mid-sentence: nothing of it has been sent yet
                    self.failed_sentences += 1
                    continue
                except ProviderError as exc:
                    incidents.note("tts", exc.provider, exc)
                    self.failed_sentences += 1
                    continue
                rendered.append((sentence, audio))
        self.tts_seconds += time.perf_counter() - started
        for sentence, audio in rendered:
            await self._speak(sentence, _ready(audio))

    async def _speak(self, sentence: str, audio: AsyncIterator[bytes]) -> None:
        sentence = sentence.strip()
        if not sentence or self.interrupted:
            return
        if await self.should_stop():
            self.interrupted = True
            return
        seq = self.sentences
        self.sentences += 1
        self.characters += len(sentence)
        await self.signalr.send_to_group(
            self.group, messages.TURN_TEXT, messages.text(self.session_id, self.turn, seq, sentence)
        )
        pending = bytearray()
        chunk_no = 0
        started = time.perf_counter()
        try:
            async for piece in audio:
                pending.extend(piece)
                while len(pending) >= self._chunk_bytes or (chunk_no == 0 and pending):
                    size = min(len(pending), self._chunk_bytes)
                    await self._push(seq, chunk_no, bytes(pending[:size]), last=False)
                    del pending[:size]
                    chunk_no += 1
                    if chunk_no % 5 == 0 and await self.should_stop():
                        self.interrupted = True
                        return
        except SpeechInterrupted:
            # The provider failed after this sentence began: end it here rather than replaying its
            # start in another voice; the next sentence goes through the fallback chain again.
            self.failed_sentences += 1
        except ProviderError as exc:
            # No provider could speak this sentence (the chain noted why): the next one may fare
            # better, and the turn's failures say what the caller missed.
            incidents.note("tts", exc.provider, exc)
            self.failed_sentences += 1
        finally:
            # A barge-in ends the provider's request now, not when the generator is collected.
            close = getattr(audio, "aclose", None)
            if close is not None:
                await close()
        self.tts_seconds += time.perf_counter() - started
        await self._push(seq, chunk_no, bytes(pending), last=True)

    async def _push(self, seq: int, chunk_no: int, data: bytes, *, last: bool) -> None:
        if not data and not last:
            return
        await self._pace()
        payload = messages.audio(self.session_id, self.turn, seq, chunk_no, self._fmt_name, data, last)
        await self.signalr.send_to_group(self.group, messages.TURN_AUDIO, payload)
        if data and self.first_audio_at is None:
            self.first_audio_at = time.time()
        self.audio.extend(data)
        self.audio_seconds += self.fmt.seconds_in(len(data))

    async def _pace(self) -> None:
        """Keep at most ``lead_seconds`` of audio ahead of the caller's playback.

        Like a telephone line, the reply leaves at the pace it is heard: audio the caller has not
        heard yet can still be withheld when they barge in, and the client needs no large buffer.
        """
        if self.first_audio_at is None:
            return
        ahead = self.audio_seconds - (time.time() - self.first_audio_at)
        if ahead > self.lead_seconds:
            await asyncio.sleep(ahead - self.lead_seconds)


async def _ready(audio: bytes) -> AsyncIterator[bytes]:
    yield audio
