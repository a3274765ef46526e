"""Choose the brain from settings: the embedded local brain, OpenAI, or Azure OpenAI."""

from __future__ import annotations

import openai

from reddytalk.agent.brains.base import Brain
from reddytalk.errors import ConfigurationError
from reddytalk.settings import Settings


def build_brain(settings: Settings) -> Brain:
    """The brain ``settings.llm_provider`` names; cloud brains need their key and endpoint set."""
    if settings.llm_provider == "local":
        from reddytalk.agent.brains.local import LocalBrain

        return LocalBrain()
    from reddytalk.agent.brains.openai_chat import OpenAIChatBrain

    client: openai.AsyncOpenAI
    if settings.llm_provider == "openai":
        key = settings.openai_api_key.get_secret_value()
        if not key:
            raise ConfigurationError("OPENAI_API_KEY is required when LLM_PROVIDER=openai")
        client = openai.AsyncOpenAI(
            api_key=key,
            base_url=settings.openai_base_url or None,
            max_retries=0,
            timeout=settings.llm_timeout_seconds,
        )
        model = settings.openai_model
    else:
        key = settings.azure_openai_api_key.get_secret_value()
        if not key or not settings.azure_openai_endpoint:
            raise ConfigurationError(
                "AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_API_KEY are required when LLM_PROVIDER=azure_openai"
            )
        client = openai.AsyncAzureOpenAI(
            azure_endpoint=settings.azure_openai_endpoint,
            api_key=key,
            api_version=settings.azure_openai_api_version,
            azure_deployment=settings.azure_openai_deployment,
            max_retries=0,
            timeout=settings.llm_timeout_seconds,
        )
        model = settings.azure_openai_deployment
    return OpenAIChatBrain(
        client,
        model,
        request_timeout=settings.llm_timeout_seconds,
        turn_budget=settings.llm_turn_budget_seconds,
        max_attempts=settings.llm_max_attempts,
    )
