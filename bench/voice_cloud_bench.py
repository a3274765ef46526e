"""Cloud voice layer benchmark: what our adapters, the fallback chain and the TTS cache add to latency.

The vendors are the wire-level stand-ins from ``tests/fixtures`` (zero processing time), so every
number here is the cost of our code plus the unmodified SDKs and the local network stack, not of
the real services. Measured per configuration, ``--n`` sentences each:

* time to first audio (TTFA) of ElevenLabs and Azure Speech TTS, directly and through the chain;
* failover: TTFA when the primary answers 401, answers 503 (one retry), stalls (first-audio
  timeout), and when its circuit is open (skipped without a request);
* the TTS cache: TTFA of a hit in the embedded blob store;
* Azure Speech STT: end of audio (``finish``) to final transcript for 1 s, 3 s and 8 s utterances,
  fed in real time (as in a call) and all at once (the SDK then paces the upload itself, so the
  backlog shows up as latency).

    .venv/bin/python bench/voice_cloud_bench.py [--n 30] [--timeout 0.5]

Writes ``bench/results/voice_cloud.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fixtures.azure_speech_standin import AzureSpeechStandIn  # noqa: E402
from fixtures.elevenlabs_standin import API_KEY, ElevenLabsStandIn  # noqa: E402

from reddytalk.stores.blobs.embedded import EmbeddedBlobStore  # noqa: E402
from reddytalk.voice.azure_speech import SpeechEndpoint  # noqa: E402
from reddytalk.voice.formats import PCM16_16K  # noqa: E402
from reddytalk.voice.stt.azure import AzureSpeechToText  # noqa: E402
from reddytalk.voice.tts.azure import AzureTextToSpeech  # noqa: E402
from reddytalk.voice.tts.cache import CachedTextToSpeech  # noqa: E402
from reddytalk.voice.tts.elevenlabs import ElevenLabsTextToSpeech  # noqa: E402
from reddytalk.voice.tts.fallback import ChainLink, FallbackTextToSpeech  # noqa: E402

SENTENCES = [
    "Thank you for calling Riverside Family Practice.",
    "Dr. Patel has an opening on Tuesday at 10:30 a.m.",
    "Could you spell your last name for me?",
    "Your appointment is confirmed.",
    "Is there anything else I can help you with?",
]


def summary(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
        "mean_ms": round(statistics.fmean(ordered), 2),
    }


async def ttfa(stream: AsyncIterator[bytes]) -> float:
    """Milliseconds to the first chunk; the rest of the sentence is drained (and not timed)."""
    started = time.perf_counter()
    first = await anext(stream)
    elapsed = (time.perf_counter() - started) * 1000
    assert first
    async for _ in stream:
        pass
    return elapsed


async def measure(n: int, make_stream: Callable[[int], AsyncIterator[bytes]]) -> dict[str, float]:
    for i in range(5):  # warm-up: connection pools, native SDK load
        await ttfa(make_stream(-1 - i))
    return summary([await ttfa(make_stream(i)) for i in range(n)])


def chain_of(*providers: Any, timeout_s: float, **kwargs: Any) -> FallbackTextToSpeech:
    return FallbackTextToSpeech(
        [ChainLink(p.name, (lambda p=p: p), "") for p in providers], first_audio_timeout_s=timeout_s, **kwargs
    )


def tone(seconds: float) -> bytes:
    t = np.arange(round(seconds * 16000)) / 16000
    return (6000 * np.sin(2 * np.pi * 300 * t)).astype("<i2").tobytes()


async def stt_latency(stt: AzureSpeechToText, seconds: float, n: int, *, paced: bool) -> dict[str, float]:
    """End of audio to last final result; ``paced`` feeds 100 ms blocks in real time, like a call."""
    audio = b"\0\0" * 3200 + tone(seconds) + b"\0\0" * 1600
    samples = []
    for _ in range(n):
        stream = stt.open_stream()
        for offset in range(0, len(audio), 3200):
            await stream.feed(audio[offset : offset + 3200])
            if paced:
                await asyncio.sleep(0.1)
        started = time.perf_counter()
        await stream.finish()
        finals = [t async for t in stream.results() if t.is_final]
        samples.append((time.perf_counter() - started) * 1000)
        assert finals
    return summary(samples)


async def run(n: int, timeout_s: float) -> dict[str, Any]:
    eleven_server = ElevenLabsStandIn().start()
    azure_server = AzureSpeechStandIn().start()
    results: dict[str, Any] = {}
    eleven = ElevenLabsTextToSpeech(
        api_key=API_KEY, voice_id="v", model_id="m", base_url=eleven_server.base_url
    )
    azure = AzureTextToSpeech(SpeechEndpoint(key="k", host=azure_server.host))

    def text(i: int) -> str:
        return SENTENCES[i % len(SENTENCES)]

    try:
        results["elevenlabs_direct"] = await measure(n, lambda i: eleven.synthesize(text(i), fmt=PCM16_16K))
        results["azure_direct"] = await measure(n, lambda i: azure.synthesize(text(i), fmt=PCM16_16K))
        healthy = chain_of(eleven, azure, timeout_s=timeout_s)
        results["chain_primary_healthy"] = await measure(n, lambda i: healthy.synthesize(text(i)))

        eleven_server.error_status = 401
        results["chain_primary_401"] = await measure(
            n, lambda i: chain_of(eleven, azure, timeout_s=timeout_s).synthesize(text(i))
        )
        eleven_server.error_status = 503
        results["chain_primary_503_retry_then_backup"] = await measure(
            n, lambda i: chain_of(eleven, azure, timeout_s=timeout_s).synthesize(text(i))
        )
        open_chain = chain_of(eleven, azure, timeout_s=timeout_s, breaker_failures=1, breaker_cooldown_s=3600)
        results["chain_primary_circuit_open"] = await measure(n, lambda i: open_chain.synthesize(text(i)))
        eleven_server.error_status = None
        eleven_server.first_audio_delay_s = timeout_s * 4
        results["chain_primary_stalled"] = await measure(
            max(5, n // 5), lambda i: chain_of(eleven, azure, timeout_s=timeout_s).synthesize(text(i))
        )
        eleven_server.first_audio_delay_s = 0.0

        with tempfile.TemporaryDirectory() as tmp:
            cached = CachedTextToSpeech(
                chain_of(eleven, azure, timeout_s=timeout_s), EmbeddedBlobStore(tmp), container="tts-cache"
            )
            for sentence in SENTENCES:
                await ttfa(cached.synthesize(sentence))
            before = eleven_server.synth_requests
            results["cache_hit_embedded"] = await measure(n, lambda i: cached.synthesize(text(i)))
            results["cache_hit_embedded"]["provider_requests"] = eleven_server.synth_requests - before

        stt = AzureSpeechToText(SpeechEndpoint(key="k", host=azure_server.host))
        for seconds in (1.0, 3.0, 8.0):
            for paced in (True, False):
                label = f"azure_stt_finish_to_final_{seconds:g}s_{'realtime' if paced else 'burst'}"
                results[label] = await stt_latency(stt, seconds, 3, paced=paced)
    finally:
        await eleven.aclose()
        eleven_server.stop()
        azure_server.stop()
    return results


def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--timeout", type=float, default=0.5, help="first-audio timeout of the chain (s)")
    args = parser.parse_args()
    results = asyncio.run(run(args.n, args.timeout))
    report = {
        "benchmark": "voice_cloud",
        "what": "latency our adapters, chain and cache add over zero-latency wire-level vendor stand-ins",
        "first_audio_timeout_s": args.timeout,
        "machine": {"python": platform.python_version(), "cpu": platform.processor() or platform.machine()},
        "results": results,
    }
    out = ROOT / "bench" / "results" / "voice_cloud.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
