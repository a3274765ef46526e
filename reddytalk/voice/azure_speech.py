"""What the Azure Speech STT and TTS adapters share: building a config, translating cancellations.

A ``SpeechConfig`` is mutable native state, so each recognition or synthesis session builds its own
from these plain values and never shares one. Cancellation codes are the only error channel the SDK
has; they become ``ProviderError`` here, once, with the transient/permanent category the fallback
logic and retries read.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import azure.cognitiveservices.speech as speechsdk

from reddytalk.errors import ConfigurationError, ProviderError
from reddytalk.settings import Settings

PROVIDER = "azure"

# Retrying (or another provider) cannot fix a bad key, a forbidden resource or a malformed request.
_PERMANENT = frozenset(
    {
        speechsdk.CancellationErrorCode.AuthenticationFailure,
        speechsdk.CancellationErrorCode.Forbidden,
        speechsdk.CancellationErrorCode.BadRequest,
    }
)


@dataclass(frozen=True)
class SpeechEndpoint:
    """Where and how to reach Azure Speech: a region (production) or a host (stand-in, container)."""

    key: str
    region: str = ""
    host: str = ""
    language: str = "en-US"

    @classmethod
    def from_settings(cls, settings: Settings) -> SpeechEndpoint:
        return cls(
            key=settings.speech_service_key.get_secret_value(),
            region=settings.speech_service_region,
            host=settings.speech_service_host,
        )

    def new_config(self) -> speechsdk.SpeechConfig:
        """A fresh config for one session (the SDK object is mutable and not thread-safe)."""
        if not self.key:
            raise ConfigurationError("Azure Speech needs SPEECH_SERVICE_KEY")
        if self.host:
            config = speechsdk.SpeechConfig(host=self.host, subscription=self.key)
        elif self.region:
            config = speechsdk.SpeechConfig(subscription=self.key, region=self.region)
        else:
            raise ConfigurationError("Azure Speech needs SPEECH_SERVICE_REGION or SPEECH_SERVICE_HOST")
        config.speech_recognition_language = self.language
        return config


def cancellation_error(
    code: speechsdk.CancellationErrorCode, details: str, *, operation: str
) -> ProviderError:
    """The project error for an SDK cancellation; ``details`` is service text, never user content."""
    name = getattr(code, "name", str(code))
    first_line = (details or "").split(" USP state:", 1)[0].strip()
    return ProviderError(
        f"Azure Speech {operation} failed: {name}: {first_line}",
        provider=PROVIDER,
        transient=code not in _PERMANENT,
    )


def thread_poster(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[Any]) -> Callable[[Any], None]:
    """A function SDK callback threads can call to hand an item to ``queue`` on ``loop``.

    After the session's loop has closed (a late native callback), the item is dropped: raising on
    an SDK thread would abort the process.
    """

    def post(item: Any) -> None:
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(queue.put_nowait, item)

    return post


def disconnect_all(*signals: Any) -> None:
    """Detach every Python callback so no native thread calls into a finished session."""
    for signal in signals:
        signal.disconnect_all()
