"""Azure Speech text-to-speech (the backup voice): streaming synthesis over the Speech SDK.

Audio arrives through the ``synthesizing`` event on SDK threads and is handed to the caller's event
loop through an ``asyncio.Queue``, so the first chunk can be played while the rest is still being
made. The SDK is asked for the raw format that matches the request (no RIFF header, no resampling).
Each call builds its own config and synthesiser; nothing native is shared between calls.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import azure.cognitiveservices.speech as speechsdk

from reddytalk.errors import ProviderError
from reddytalk.settings import Settings
from reddytalk.voice.azure_speech import (
    PROVIDER,
    SpeechEndpoint,
    cancellation_error,
    disconnect_all,
    thread_poster,
)
from reddytalk.voice.formats import PCM16_16K, AudioFormat
from reddytalk.voice.tts.chunks import SampleAligner

_Fmt = speechsdk.SpeechSynthesisOutputFormat
OUTPUT_FORMATS: dict[AudioFormat, speechsdk.SpeechSynthesisOutputFormat] = {
    AudioFormat("pcm16", 8000): _Fmt.Raw8Khz16BitMonoPcm,
    AudioFormat("pcm16", 16000): _Fmt.Raw16Khz16BitMonoPcm,
    AudioFormat("pcm16", 22050): _Fmt.Raw22050Hz16BitMonoPcm,
    AudioFormat("pcm16", 24000): _Fmt.Raw24Khz16BitMonoPcm,
    AudioFormat("pcm16", 44100): _Fmt.Raw44100Hz16BitMonoPcm,
    AudioFormat("pcm16", 48000): _Fmt.Raw48Khz16BitMonoPcm,
    AudioFormat("mulaw", 8000): _Fmt.Raw8Khz8BitMonoMULaw,
}
_DONE = object()


def build_ssml(text: str, voice: str, language: str) -> str:
    """SSML for plain text; the text is escaped so it can never inject markup."""
    return (
        f"<speak version='1.0' xmlns='http://www.w3.org/2001/10/synthesis' xml:lang={quoteattr(language)}>"
        f"<voice name={quoteattr(voice)}>{escape(text)}</voice></speak>"
    )


class AzureTextToSpeech:
    """``TextToSpeech`` over the Azure Speech service."""

    name = PROVIDER

    def __init__(self, endpoint: SpeechEndpoint, *, voice: str = "en-US-JennyNeural") -> None:
        self._endpoint = endpoint
        self.default_voice = voice

    @classmethod
    def from_settings(cls, settings: Settings) -> AzureTextToSpeech:
        return cls(SpeechEndpoint.from_settings(settings), voice=settings.speech_voice)

    async def synthesize(
        self, text: str, *, fmt: AudioFormat = PCM16_16K, voice: str | None = None
    ) -> AsyncIterator[bytes]:
        output_format = OUTPUT_FORMATS.get(fmt)
        if output_format is None:
            raise ProviderError(f"Azure Speech cannot produce {fmt.key}", provider=PROVIDER, transient=False)
        config = self._endpoint.new_config()
        config.set_speech_synthesis_output_format(output_format)
        synthesizer = speechsdk.SpeechSynthesizer(speech_config=config, audio_config=None)
        queue: asyncio.Queue[Any] = asyncio.Queue()
        post = thread_poster(asyncio.get_running_loop(), queue)
        synthesizer.synthesizing.connect(lambda evt: post(evt.result.audio_data))
        synthesizer.synthesis_completed.connect(lambda evt: post(_DONE))
        synthesizer.synthesis_canceled.connect(
            lambda evt: post(
                cancellation_error(
                    evt.result.cancellation_details.error_code,
                    evt.result.cancellation_details.error_details,
                    operation="synthesis",
                )
            )
        )
        aligner = SampleAligner(fmt.bytes_per_sample)
        finished = False
        pending = synthesizer.speak_ssml_async(
            build_ssml(text, voice or self.default_voice, self._endpoint.language)
        )
        try:
            while True:
                item = await queue.get()
                if item is _DONE:
                    finished = True
                    return
                if isinstance(item, ProviderError):
                    finished = True
                    raise item
                chunk = aligner.push(item)
                if chunk:
                    yield chunk
        finally:
            disconnect_all(
                synthesizer.synthesizing, synthesizer.synthesis_completed, synthesizer.synthesis_canceled
            )
            if not finished:  # the caller stopped listening (barge-in, timeout): stop the service too
                await asyncio.to_thread(lambda: synthesizer.stop_speaking_async().get())
            await asyncio.to_thread(pending.get)
