"""What a call costs, from its usage and the providers that served it.

Unit prices are list prices in USD (Azure and vendor price pages, 2026); local engines cost nothing.
They feed per-call metrics and the daily/weekly spend guard, not billing.
"""

from __future__ import annotations

from reddytalk.calls.contracts import TurnUsage

STT_PER_AUDIO_MINUTE = {"local": 0.0, "azure": 1.0 / 60}
LLM_PER_MILLION_TOKENS = {"local": (0.0, 0.0), "openai": (0.15, 0.60), "azure_openai": (0.165, 0.66)}
TTS_PER_MILLION_CHARACTERS = {"local": 0.0, "azure": 16.0, "elevenlabs": 180.0}


def call_cost(usage: TurnUsage, *, stt: str, llm: str, tts: str) -> dict[str, float]:
    prompt_price, completion_price = LLM_PER_MILLION_TOKENS.get(llm, (0.0, 0.0))
    parts = {
        "stt": usage.audio_seconds / 60 * STT_PER_AUDIO_MINUTE.get(stt, 0.0),
        "llm": (usage.prompt_tokens * prompt_price + usage.completion_tokens * completion_price) / 1e6,
        "tts": usage.tts_characters * TTS_PER_MILLION_CHARACTERS.get(tts, 0.0) / 1e6,
    }
    parts["total"] = sum(parts.values())
    return {key: round(value, 6) for key, value in parts.items()}
