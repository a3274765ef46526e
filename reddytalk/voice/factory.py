"""Build the speech providers the settings ask for; the only place that knows provider names.

``build_stt`` returns the speech-to-text chain from ``STT_PROVIDERS`` (``azure,local`` in production).
``build_tts`` returns the fallback chain from ``TTS_PROVIDERS`` (e.g. ``elevenlabs,azure,local`` in
production, ``local`` by default) wrapped in the blob-store cache. Providers are built lazily, on
the first sentence that needs them, so a backup that is never used costs nothing (no SDK client, no
eSpeak load) and a missing backup key only matters when the backup is actually needed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from reddytalk.resilience.chain import Link
from reddytalk.settings import Settings
from reddytalk.stores.blobs.base import BlobStore
from reddytalk.voice.stt.base import SpeechToText
from reddytalk.voice.stt.fallback import FallbackSpeechToText
from reddytalk.voice.tts.base import TextToSpeech
from reddytalk.voice.tts.cache import CachedTextToSpeech
from reddytalk.voice.tts.fallback import ChainLink, FallbackTextToSpeech


def _azure_stt(settings: Settings) -> SpeechToText:
    from reddytalk.voice.stt.azure import AzureSpeechToText

    return AzureSpeechToText.from_settings(settings)


def _local_stt(settings: Settings) -> SpeechToText:
    from reddytalk.voice.stt.local import LocalSpeechToText

    return LocalSpeechToText(model=settings.stt_model)


_STT_BUILDERS: dict[str, Callable[[Settings], SpeechToText]] = {"azure": _azure_stt, "local": _local_stt}


def build_stt(settings: Settings) -> FallbackSpeechToText:
    """The speech-to-text fallback chain in ``settings.stt_chain`` order (engines load on first use)."""
    return FallbackSpeechToText(
        [Link(name, functools.partial(_STT_BUILDERS[name], settings)) for name in settings.stt_chain],
        timeout_s=settings.stt_timeout_seconds,
        hedge_after_s=settings.stt_hedge_seconds,
        transient_retries=0,  # a failing recogniser takes ~2 s to say so: go to the backup instead
        breaker_failures=settings.stt_breaker_failures,
        breaker_cooldown_s=settings.stt_breaker_cooldown_seconds,
    )


def _elevenlabs(settings: Settings) -> TextToSpeech:
    from reddytalk.voice.tts.elevenlabs import ElevenLabsTextToSpeech

    return ElevenLabsTextToSpeech.from_settings(settings)


def _azure(settings: Settings) -> TextToSpeech:
    from reddytalk.voice.tts.azure import AzureTextToSpeech

    return AzureTextToSpeech.from_settings(settings)


def _local(settings: Settings) -> TextToSpeech:
    from reddytalk.voice.tts.local import LocalTextToSpeech

    return LocalTextToSpeech(voice=settings.tts_voice)


_BUILDERS: dict[str, Callable[[Settings], TextToSpeech]] = {
    "elevenlabs": _elevenlabs,
    "azure": _azure,
    "local": _local,
}


def _default_voice(name: str, settings: Settings) -> str:
    return {
        "elevenlabs": settings.elevenlabs_voice_id,
        "azure": settings.speech_voice,
        "local": settings.tts_voice,
    }[name]


def build_tts_chain(settings: Settings) -> FallbackTextToSpeech:
    """The fallback chain alone (no cache), in ``settings.tts_chain`` order."""
    links = [
        ChainLink(
            name=name,
            make=functools.partial(_BUILDERS[name], settings),
            default_voice=_default_voice(name, settings),
            model=settings.elevenlabs_model if name == "elevenlabs" else "",
        )
        for name in settings.tts_chain
    ]
    return FallbackTextToSpeech(
        links,
        first_audio_timeout_s=settings.tts_timeout_seconds,
        breaker_failures=settings.tts_breaker_failures,
        breaker_cooldown_s=settings.tts_breaker_cooldown_seconds,
    )


def build_tts(settings: Settings, blobs: BlobStore) -> CachedTextToSpeech:
    """The chain wrapped in the TTS cache (container ``settings.tts_cache_container``)."""
    return CachedTextToSpeech(build_tts_chain(settings), blobs, container=settings.tts_cache_container)
