"""The process-wide services the functions use, built once from settings.

Functions (activities, HTTP handlers) call ``get_services()``; nothing else builds stores or
providers. Engines load lazily on first use and are shared by every call in the process. When the
settings change (tests that start a host with a new environment), a new set is built.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from reddytalk.audit import AuditLog
from reddytalk.logs import configure_logging
from reddytalk.realtime.signalr import SignalRClient
from reddytalk.settings import Settings, get_settings
from reddytalk.stores import open_blobs, open_documents, open_queues

if TYPE_CHECKING:
    from reddytalk.stores.blobs.base import BlobStore
    from reddytalk.stores.documents.base import DocumentStore
    from reddytalk.stores.queues.base import QueueStore
    from reddytalk.voice.stt.base import SpeechToText
    from reddytalk.voice.tts.base import TextToSpeech


@dataclass
class Services:
    settings: Settings
    _cache: dict[str, Any] = field(default_factory=dict)

    def cached(self, key: str, build: Any) -> Any:
        """The object built once per services set under ``key`` (engines, stores, domain services)."""
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    @property
    def documents(self) -> DocumentStore:
        return self.cached("documents", lambda: open_documents(self.settings))

    @property
    def blobs(self) -> BlobStore:
        return self.cached("blobs", lambda: open_blobs(self.settings))

    @property
    def queues(self) -> QueueStore:
        return self.cached("queues", lambda: open_queues(self.settings))

    @property
    def audit(self) -> AuditLog:
        return self.cached("audit", lambda: AuditLog(self.documents))

    @property
    def signalr(self) -> SignalRClient:
        return self.cached(
            "signalr",
            lambda: SignalRClient(
                self.settings.signalr_connection.get_secret_value(), self.settings.signalr_hub
            ),
        )

    @property
    def stt(self) -> SpeechToText:
        from reddytalk.voice.factory import build_stt

        return self.cached("stt", lambda: build_stt(self.settings))

    @property
    def tts(self) -> TextToSpeech:
        from reddytalk.voice.factory import build_tts

        return self.cached("tts", lambda: build_tts(self.settings, self.blobs))

    def warm_up(self) -> None:
        """Load the speech engines in the background: a call is starting, its first words are seconds away."""
        if "warm_up" not in self._cache:
            self._cache["warm_up"] = asyncio.get_running_loop().run_in_executor(None, self._load_engines)

    def _load_engines(self) -> None:
        load = getattr(self.stt, "warm_up", None)  # engines that load lazily offer it
        if load is not None:
            load()

    def now(self) -> datetime:
        """The time the receptionist plans with: the real clock unless ``CLOCK_FIXED_AT`` pins it."""
        fixed = self.settings.clock_fixed_at
        return datetime.fromisoformat(fixed) if fixed else datetime.now(UTC)

    @property
    def brain(self) -> Any:
        return self.cached("brain", self._build_brain)

    def _build_brain(self) -> Any:
        """The configured brain; a cloud brain gets the local brain as its per-turn backup."""
        from reddytalk.agent.brains.factory import build_brain
        from reddytalk.agent.brains.local import LocalBrain
        from reddytalk.resilience.brain import FallbackBrain

        brain = build_brain(self.settings)
        return brain if isinstance(brain, LocalBrain) else FallbackBrain(brain, LocalBrain())

    async def aclose(self) -> None:
        """Close the network clients this process opened (the Functions worker never does; hosts
        that start and stop in one process, such as tests and ``reddytalk call``, should)."""
        for key in ("brain", "stt", "tts"):  # providers' HTTP pools, where they keep any
            provider = self._cache.pop(key, None)
            close = getattr(provider, "aclose", None)
            if close is not None:
                await close()
        for key in ("signalr", "documents", "blobs", "queues"):
            resource = self._cache.pop(key, None)
            if resource is not None:
                await resource.close()


_by_settings: dict[Settings, Services] = {}


async def close_services() -> None:
    """Close the services built for the current settings (call it on the loop that used them)."""
    services = _by_settings.pop(get_settings(), None)
    if services is not None:
        await services.aclose()


def get_services() -> Services:
    """Services for the current settings; rebuilt only when the environment's settings change."""
    settings = get_settings()
    services = _by_settings.get(settings)
    if services is None:
        if not _by_settings:
            configure_logging(settings.log_level)  # first use in this process: no PHI in any log line
        services = _by_settings[settings] = Services(settings)
    return services
