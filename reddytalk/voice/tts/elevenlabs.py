"""ElevenLabs text-to-speech (the primary production voice) over the SDK's HTTP streaming endpoint.

``text_to_speech.stream`` sends one POST and yields audio as the body arrives, in the raw format we
ask for (``pcm_16000``, ``pcm_24000``, ``ulaw_8000`` …), so no decoding happens on our side.
Vendor errors are translated here, once: a bad key or a rejected request (401/403/400/404/422) is
permanent, rate limits, server errors and network trouble are transient. Error bodies are not copied
into messages (a 422 body can echo the text, which may hold patient names); only status and code.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from typing import Any

import httpx
from elevenlabs.client import AsyncElevenLabs
from elevenlabs.core.api_error import ApiError

from reddytalk.errors import ConfigurationError, ProviderError
from reddytalk.settings import Settings
from reddytalk.voice.formats import PCM16_16K, AudioFormat
from reddytalk.voice.tts.chunks import SampleAligner

PROVIDER = "elevenlabs"
PCM_RATES = frozenset({8000, 16000, 22050, 24000, 32000, 44100, 48000})
TRANSIENT_STATUSES = frozenset({408, 409, 425, 429})
CHUNK_SECONDS = 0.02  # hand audio on in 20 ms pieces: small enough for low first-audio latency


def output_format(fmt: AudioFormat) -> str:
    """The ElevenLabs ``output_format`` that yields ``fmt`` with no conversion."""
    if fmt.encoding == "pcm16" and fmt.sample_rate in PCM_RATES:
        return f"pcm_{fmt.sample_rate}"
    if fmt.encoding == "mulaw" and fmt.sample_rate == 8000:
        return "ulaw_8000"
    raise ProviderError(f"ElevenLabs cannot produce {fmt.key}", provider=PROVIDER, transient=False)


def _error_code(body: Any) -> str:
    """The vendor's short error code (``invalid_api_key``, ``rate_limit_exceeded``…), if any."""
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, dict):
        return str(detail.get("code") or detail.get("status") or "")
    if isinstance(detail, list):
        return "validation_error"
    return ""


def translate_api_error(exc: ApiError) -> ProviderError:
    status = exc.status_code or 0
    code = _error_code(exc.body)
    transient = status >= 500 or status in TRANSIENT_STATUSES or status == 0
    suffix = f" ({code})" if code else ""
    return ProviderError(f"ElevenLabs answered {status}{suffix}", provider=PROVIDER, transient=transient)


class ElevenLabsTextToSpeech:
    """``TextToSpeech`` over ElevenLabs' HTTP streaming endpoint."""

    name = PROVIDER

    def __init__(
        self,
        *,
        api_key: str,
        voice_id: str,
        model_id: str,
        base_url: str = "",
        timeout_s: float = 15.0,
    ) -> None:
        if not api_key:
            raise ConfigurationError("ElevenLabs needs ELEVENLABS_API_KEY")
        self.default_voice = voice_id
        self._model_id = model_id
        self._api_key = api_key
        self._base_url = base_url
        self._timeout_s = timeout_s
        # one SDK client (and HTTP pool) per event loop: an httpx pool must not cross loops
        self._clients: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[AsyncElevenLabs, httpx.AsyncClient]
        ] = weakref.WeakKeyDictionary()

    @classmethod
    def from_settings(cls, settings: Settings) -> ElevenLabsTextToSpeech:
        return cls(
            api_key=settings.elevenlabs_api_key.get_secret_value(),
            voice_id=settings.elevenlabs_voice_id,
            model_id=settings.elevenlabs_model,
            base_url=settings.elevenlabs_base_url,
        )

    def _sdk(self) -> AsyncElevenLabs:
        loop = asyncio.get_running_loop()
        entry = self._clients.get(loop)
        if entry is None:
            http = httpx.AsyncClient(timeout=self._timeout_s)
            client = AsyncElevenLabs(
                api_key=self._api_key,
                base_url=self._base_url or None,
                timeout=self._timeout_s,
                httpx_client=http,
            )
            entry = self._clients[loop] = (client, http)
        return entry[0]

    async def synthesize(
        self, text: str, *, fmt: AudioFormat = PCM16_16K, voice: str | None = None
    ) -> AsyncIterator[bytes]:
        wanted = output_format(fmt)
        aligner = SampleAligner(fmt.bytes_per_sample)
        stream = self._sdk().text_to_speech.stream(
            voice or self.default_voice,
            text=text,
            model_id=self._model_id,
            output_format=wanted,  # a literal of the SDK enum
            enable_logging=False,
            request_options={"chunk_size": max(fmt.bytes_for(CHUNK_SECONDS), 2)},
        )
        try:
            async for piece in stream:
                chunk = aligner.push(piece)
                if chunk:
                    yield chunk
        except ApiError as exc:
            raise translate_api_error(exc) from None
        except httpx.TimeoutException:
            raise ProviderError("ElevenLabs timed out", provider=PROVIDER, transient=True) from None
        except httpx.HTTPError as exc:
            raise ProviderError(
                f"ElevenLabs connection failed: {type(exc).__name__}", provider=PROVIDER, transient=True
            ) from None
        finally:
            await stream.aclose()

    async def aclose(self) -> None:
        """Close this event loop's HTTP connection pool."""
        entry = self._clients.pop(asyncio.get_running_loop(), None)
        if entry is not None:
            await entry[1].aclose()
