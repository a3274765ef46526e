"""Typed application settings, read once from the environment (Functions app settings).

Every setting the app reads is declared here and documented in ``docs/settings.md`` with its Azure
and local value side by side. The defaults are the embedded (local) values, so a fresh machine runs
with no configuration at all. Secrets are ``SecretStr`` so they never show in ``repr`` or logs.
Tests build their own ``Settings`` (``Settings.from_env({...})``) and pass it in.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from reddytalk.errors import ConfigurationError

log = logging.getLogger("reddytalk.settings")

# The environment variable that backs each field is the field name in upper case,
# except where ``ENV_NAMES`` says otherwise (names fixed by the Functions host or the seed).
ENV_NAMES: dict[str, str] = {
    "signalr_connection": "AzureSignalRConnectionString",
    "applicationinsights_connection_string": "APPLICATIONINSIGHTS_CONNECTION_STRING",
}

EMBEDDED_DOCUMENTS = "UseEmbeddedStorage=true;Path=.data/documents.sqlite3"
EMBEDDED_BLOBS = "UseEmbeddedStorage=true;Path=.data/blobs"
EMBEDDED_QUEUES = "UseEmbeddedStorage=true;Path=.data/queues.sqlite3"
LOCAL_SIGNALR = (
    "Endpoint=http://127.0.0.1:8888;AccessKey=local-dev-signalr-access-key-0123456789abcdef;Version=1.0;"
)
LOCAL_JWT_SECRET = "local-dev-jwt-secret-change-me-in-azure-0123456789"  # noqa: S105 - local default, replaced from Key Vault in Azure
LOCAL_TELEPHONY_KEY = "local-dev-telephony-key-change-me-in-azure-0123"
# Shortest secret accepted: 32 characters (HS256 wants a key of at least 256 bits; generated keys
# such as ``openssl rand -base64 48`` or SignalR's 44-character keys are longer).
MIN_SECRET_CHARS = 32


class Settings(BaseModel):
    """All app settings. Field docs are the source for ``docs/settings.md``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # --- data -----------------------------------------------------------------------------
    documents_connection: SecretStr = Field(
        SecretStr(EMBEDDED_DOCUMENTS),
        description="Document store: a Cosmos DB connection string, or the embedded SQLite file.",
    )
    documents_database: str = Field("reddytalk", description="Cosmos DB database name.")
    blobs_connection: SecretStr = Field(
        SecretStr(EMBEDDED_BLOBS),
        description="Blob store: an Azure Storage connection string, or the embedded folder.",
    )
    queues_connection: SecretStr = Field(
        SecretStr(EMBEDDED_QUEUES),
        description="Queue store (training jobs): an Azure Storage connection string, or the embedded file.",
    )
    training_queue: str = Field("training-jobs", description="Queue that carries training jobs.")
    recordings_container: str = Field("recordings", description="Blob container for call recordings.")
    utterances_container: str = Field("utterances", description="Blob container for caller utterances.")
    tts_cache_container: str = Field("tts-cache", description="Blob container for the TTS cache.")

    # --- realtime -------------------------------------------------------------------------
    signalr_connection: SecretStr = Field(
        SecretStr(LOCAL_SIGNALR),
        description="SignalR Service connection string (serverless mode); locally the devhost stand-in.",
    )
    signalr_hub: str = Field("reddytalk", description="SignalR hub name.")

    # --- voice and brain providers --------------------------------------------------------
    stt_provider: Literal["local", "azure"] = Field("local", description="Speech-to-text provider.")
    tts_providers: str = Field(
        "local",
        description="Text-to-speech fallback chain, comma-separated, first is primary.",
    )
    llm_provider: Literal["local", "openai", "azure_openai"] = Field(
        "local", description="Receptionist brain."
    )
    stt_model: str = Field("tiny.en", description="faster-whisper model for the local STT.")
    tts_voice: str = Field("en-us", description="Voice for the local TTS (eSpeak NG voice name).")
    openai_api_key: SecretStr = Field(SecretStr(""), description="OpenAI API key.")
    openai_base_url: str = Field("", description="OpenAI-compatible base URL (empty: the SDK default).")
    openai_model: str = Field("gpt-4o-mini", description="OpenAI model name.")
    azure_openai_endpoint: str = Field("", description="Azure OpenAI endpoint URL.")
    azure_openai_api_key: SecretStr = Field(SecretStr(""), description="Azure OpenAI key.")
    azure_openai_deployment: str = Field("gpt-4o-mini", description="Azure OpenAI deployment name.")
    azure_openai_api_version: str = Field("2024-10-21", description="Azure OpenAI API version.")
    llm_timeout_seconds: float = Field(8.0, gt=0, description="Per-request LLM timeout.")
    llm_turn_budget_seconds: float = Field(
        15.0, gt=0, description="Time one caller turn may spend on LLM requests, retries included."
    )
    llm_max_attempts: int = Field(
        3, ge=1, le=10, description="LLM request attempts per round (1 = no retry)."
    )
    speech_service_key: SecretStr = Field(SecretStr(""), description="Azure Speech key.")
    speech_service_region: str = Field("", description="Azure Speech region.")
    speech_service_host: str = Field(
        "", description="Azure Speech host override (tests point it at a stand-in)."
    )
    speech_voice: str = Field("en-US-JennyNeural", description="Azure Speech TTS voice.")
    elevenlabs_api_key: SecretStr = Field(SecretStr(""), description="ElevenLabs API key.")
    elevenlabs_base_url: str = Field("", description="ElevenLabs base URL override (empty: the SDK default).")
    elevenlabs_voice_id: str = Field("21m00Tcm4TlvDq8ikWAM", description="ElevenLabs voice id.")
    elevenlabs_model: str = Field("eleven_flash_v2_5", description="ElevenLabs model id.")
    tts_timeout_seconds: float = Field(3.0, gt=0, description="Per-provider time to first TTS audio.")
    tts_breaker_failures: int = Field(
        3, ge=1, description="Consecutive failures that open a TTS provider's circuit breaker."
    )
    tts_breaker_cooldown_seconds: float = Field(
        30.0, ge=0, description="Seconds an open TTS circuit breaker waits before one trial call."
    )

    # --- call behaviour -------------------------------------------------------------------
    turn_mode: Literal["streaming", "staged"] = Field("streaming", description="How a call turn runs.")
    end_of_turn_silence_ms: int = Field(500, ge=100, le=3000, description="Silence that ends a caller turn.")
    speculative_pause_ms: int = Field(
        120, ge=50, le=3000, description="Pause at which transcription starts speculatively."
    )
    idle_timeout_seconds: int = Field(30, ge=5, description="Silence after which a call ends.")
    turns_per_episode: int = Field(
        8, ge=1, description="Turns before the call orchestration continues as new."
    )
    max_audio_chunk_bytes: int = Field(262_144, ge=1024, description="Largest audio chunk accepted.")
    reply_audio_lead_ms: int = Field(
        1000, ge=0, description="How far reply audio may run ahead of the caller's playback (barge-in reach)."
    )
    clock_fixed_at: str = Field(
        "",
        description="Fixed ISO 8601 time the receptionist plans with (demos, tests); empty: the real clock.",
    )
    max_utterance_seconds: float = Field(30.0, gt=0, description="Longest caller utterance.")

    # --- security ---------------------------------------------------------------------------
    environment: Literal["development", "production"] = Field(
        "development",
        description="Where the app runs: production refuses to start on the local development keys.",
    )
    jwt_secret: SecretStr = Field(SecretStr(LOCAL_JWT_SECRET), description="HS256 key for access tokens.")
    jwt_issuer: str = Field("reddytalk", description="Access token issuer.")
    jwt_audience: str = Field("reddytalk-api", description="Access token audience.")
    access_token_minutes: int = Field(15, ge=1, le=15, description="Access token lifetime.")
    refresh_token_days: int = Field(14, ge=1, description="Refresh token lifetime.")
    telephony_key: SecretStr = Field(
        SecretStr(LOCAL_TELEPHONY_KEY),
        description="Key the telephony integration (phone bridge) sends as X-Telephony-Key to start phone calls.",
    )
    trusted_proxy_hops: int = Field(
        0,
        ge=0,
        le=5,
        description="Front ends that append the client address to X-Forwarded-For (App Service: 1); "
        "0 trusts no forwarding header.",
    )
    web_call_starts_per_minute: int = Field(
        10, ge=1, le=10_000, description="Anonymous web call starts allowed per client address per minute."
    )
    max_concurrent_calls: int = Field(
        20, ge=1, le=100_000, description="Live calls one practice may have at once (further starts get 429)."
    )

    # --- operations -------------------------------------------------------------------------
    log_level: str = Field("INFO", description="Root log level.")
    applicationinsights_connection_string: SecretStr = Field(
        SecretStr(""), description="Application Insights connection string."
    )

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"unknown log level {value!r}")
        return value.upper()

    @field_validator("clock_fixed_at")
    @classmethod
    def _iso_time(cls, value: str) -> str:
        if value:
            datetime.fromisoformat(value)  # raises ValueError with a clear message
        return value

    @field_validator("tts_providers")
    @classmethod
    def _known_tts(cls, value: str) -> str:
        names = [n.strip() for n in value.split(",") if n.strip()]
        unknown = [n for n in names if n not in {"local", "azure", "elevenlabs"}]
        if not names or unknown:
            raise ValueError(f"tts_providers must list local/azure/elevenlabs, got {value!r}")
        return ",".join(names)

    @model_validator(mode="after")
    def _secrets_are_sound(self) -> Settings:
        """Secrets have a minimum strength; production refuses the local development keys."""
        problems = [f"{name}: {problem}" for name, problem in secret_problems(self)]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def tts_chain(self) -> list[str]:
        return self.tts_providers.split(",")

    @classmethod
    def env_name(cls, field: str) -> str:
        return ENV_NAMES.get(field, field.upper())

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from an environment mapping; unset or empty variables keep their default."""
        source = os.environ if env is None else env
        values: dict[str, Any] = {}
        for field in cls.model_fields:
            raw = source.get(cls.env_name(field))
            if raw is not None and raw != "":
                values[field] = raw
        try:
            return cls(**values)
        except ValidationError as exc:
            problems = "; ".join(
                f"{cls.env_name(str(err['loc'][0]))}: {err['msg']}"
                if err["loc"]
                else str(err["msg"]).removeprefix("Value error, ")
                for err in exc.errors()
            )
            raise ConfigurationError(f"invalid settings: {problems}") from None


def _signalr_key(connection: str) -> str:
    for part in connection.split(";"):
        key, _, value = part.partition("=")
        if key.strip().lower() == "accesskey":
            return value.strip()
    return ""


def secret_problems(settings: Settings) -> list[tuple[str, str]]:
    """(setting, problem) for every secret that is too short, or a local key in production."""
    found: list[tuple[str, str]] = []
    secrets = {
        "JWT_SECRET": (settings.jwt_secret.get_secret_value(), LOCAL_JWT_SECRET),
        "AzureSignalRConnectionString": (
            _signalr_key(settings.signalr_connection.get_secret_value()),
            _signalr_key(LOCAL_SIGNALR),
        ),
        "TELEPHONY_KEY": (settings.telephony_key.get_secret_value(), LOCAL_TELEPHONY_KEY),
    }
    for name, (value, local) in secrets.items():
        if settings.environment == "production" and value == local:
            found.append((name, "must be set outside local development (the local key is public)"))
        elif len(value) < MIN_SECRET_CHARS:
            what = "its AccessKey " if name == "AzureSignalRConnectionString" else ""
            found.append((name, f"{what}must be at least {MIN_SECRET_CHARS} characters"))
    return found


def development_keys_in_use(settings: Settings) -> list[str]:
    """The secrets still on their public local default (fine locally, refused in production)."""
    return [
        name
        for name, value, local in (
            ("JWT_SECRET", settings.jwt_secret.get_secret_value(), LOCAL_JWT_SECRET),
            ("AzureSignalRConnectionString", settings.signalr_connection.get_secret_value(), LOCAL_SIGNALR),
            ("TELEPHONY_KEY", settings.telephony_key.get_secret_value(), LOCAL_TELEPHONY_KEY),
        )
        if value == local
    ]


_warned = False


def _warn_once(settings: Settings) -> None:
    global _warned
    names = development_keys_in_use(settings)
    if names and not _warned:
        _warned = True
        log.warning(
            "using the public local development keys (%s); set ENVIRONMENT=production and real keys in Azure",
            ", ".join(names),
        )


_cache: dict[tuple[str | None, ...], Settings] = {}


def get_settings() -> Settings:
    """The settings for the current environment, parsed once per distinct environment.

    Reading the variables is cheap; parsing is cached, so the hot path costs a dict lookup. A host
    that changes the environment (tests starting a host with new settings) gets new settings.
    """
    snapshot = tuple(os.environ.get(Settings.env_name(name)) for name in Settings.model_fields)
    settings = _cache.get(snapshot)
    if settings is None:
        settings = _cache[snapshot] = Settings.from_env()
        _warn_once(settings)
    return settings
