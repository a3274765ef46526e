"""Local TTS (eSpeak NG) and STT (faster-whisper tiny.en): round trip, streaming, hints, bad input."""

from __future__ import annotations

import asyncio
import io
import wave

import jiwer
import numpy as np
import pytest
from wer_text import normalize

from audio import mulaw
from audio.loudness import rms_dbfs
from audio.pcm import pcm16_bytes, pcm16_samples
from audio.resample import resample
from reddytalk.errors import BadAudio, PayloadTooLarge, ProviderError, ValidationFailed
from reddytalk.voice.formats import MULAW_8K, PCM16_16K, PCM16_24K
from reddytalk.voice.stt.base import SpeechToText, SttStream, Transcript
from reddytalk.voice.stt.local import LocalSpeechToText
from reddytalk.voice.tts.base import TextToSpeech
from reddytalk.voice.tts.local import LocalTextToSpeech

pytestmark = pytest.mark.engines

DOCTORS = ["Dr. Patel", "Dr. Nguyen", "Dr. Garcia", "Dr. Smith", "Dr. Lee"]

# Receptionist-domain phrases: names, dates, times, doctors, insurance, numbers.
PHRASES = [
    "Hello, I would like to book an appointment with Dr. Patel.",
    "Can I see Dr. Nguyen next Tuesday at 10:30 a.m.?",
    "My name is Sarah Johnson.",
    "My date of birth is March 3rd, 1985.",
    "I need to cancel my appointment on Friday.",
    "Do you accept Blue Cross Blue Shield insurance?",
    "My insurance is Aetna and my member ID is on the card.",
    "Could you move my appointment to Monday afternoon?",
    "I have a fever and a sore throat.",
    "What time does the office open on Saturday?",
    "Is Dr. Garcia available this Thursday?",
    "I would like the first available appointment.",
    "My phone number is 555 0199.",
    "Please call me back after 5 p.m.",
    "I am a new patient.",
    "Your appointment is confirmed for Wednesday at 2:15 p.m.",
    "Please arrive 15 minutes early and bring your insurance card.",
    "We accept Medicare, Medicaid and United Healthcare.",
    "The copay for a specialist visit is $40.",
    "Dr. Smith is out of the office until June 12th.",
    "Would 9 a.m. on Thursday work for you?",
    "I need a refill of my blood pressure medication.",
    "Can I get the results of my blood test?",
    "My son has an ear infection.",
    "We are located at 200 Main Street, suite 4.",
    "Is there parking near the clinic?",
    "I have chest pain and trouble breathing.",
    "If this is an emergency, please hang up and dial 911.",
    "Do you offer telehealth visits?",
    "I want to reschedule my physical exam.",
    "My last name is spelled W I L S O N.",
    "The appointment is on April 22nd at 11 a.m.",
    "Thank you for calling, have a great day.",
    "Let me check the schedule for Dr. Lee.",
]

# Measured on the 2-core dev machine: corpus WER 0.149 (eSpeak's robotic voice and tiny.en's
# size are the limit; most errors are single words like "book" → "welcome"). Both engines are
# deterministic on CPU, so the bound only leaves room for library updates, not for noise.
MAX_CORPUS_WER = 0.22


async def speak(tts: TextToSpeech, text: str, **kwargs: object) -> bytes:
    return b"".join([chunk async for chunk in tts.synthesize(text, **kwargs)])  # type: ignore[arg-type]


def test_local_providers_implement_the_interfaces(
    local_stt: LocalSpeechToText, local_tts: LocalTextToSpeech
) -> None:
    assert isinstance(local_stt, SpeechToText)
    assert isinstance(local_tts, TextToSpeech)
    assert isinstance(local_stt.open_stream(), SttStream)


async def test_round_trip_word_error_rate(local_stt: LocalSpeechToText, local_tts: LocalTextToSpeech) -> None:
    references, hypotheses = [], []
    for phrase in PHRASES:
        transcript = await local_stt.transcribe(await speak(local_tts, phrase), hints=DOCTORS)
        assert transcript.is_final
        references.append(normalize(phrase))
        hypotheses.append(normalize(transcript.text))
    assert len(PHRASES) >= 30
    assert jiwer.wer(references, hypotheses) <= MAX_CORPUS_WER
    for ref, hyp in zip(references, hypotheses, strict=True):
        for doctor in ("patel", "nguyen", "garcia", "smith", "lee"):
            if f"dr {doctor}" in ref:
                assert f"dr {doctor}" in hyp  # names the practice passed as hints come out right


async def test_phrase_hints_spell_unusual_doctor_names(
    local_stt: LocalSpeechToText, local_tts: LocalTextToSpeech
) -> None:
    audio = await speak(local_tts, "I want to see Dr. Okonkwo tomorrow.")
    without = await local_stt.transcribe(audio)
    with_hint = await local_stt.transcribe(audio, hints=["Dr. Okonkwo", "Dr. Patel"])
    assert "Okonkwo" not in without.text
    assert "Okonkwo" in with_hint.text


@pytest.mark.parametrize("rate", [8000, 24000])
async def test_other_input_rates_are_resampled(
    local_stt: LocalSpeechToText, local_tts: LocalTextToSpeech, rate: int
) -> None:
    audio_16k = pcm16_samples(await speak(local_tts, "I need to cancel my appointment on Friday."))
    audio = pcm16_bytes(resample(audio_16k, 16000, rate))
    transcript = await local_stt.transcribe(audio, sample_rate=rate)
    assert normalize(transcript.text) == "i need to cancel my appointment on friday"
    assert transcript.end_s == pytest.approx(audio_16k.size / 16000, abs=0.01)


async def test_streaming_gives_partials_then_one_final(
    local_stt: LocalSpeechToText, local_tts: LocalTextToSpeech
) -> None:
    audio = await speak(local_tts, "Can I see Dr. Nguyen next Tuesday at 10:30 a.m.?")
    stream = LocalSpeechToText(partial_every_s=1.0).open_stream(hints=DOCTORS)
    results: list[Transcript] = []

    async def collect() -> None:
        async for result in stream.results():
            results.append(result)

    reader = asyncio.create_task(collect())
    step = 16000 * 2 // 5  # 200 ms chunks
    first_second, rest = audio[: 6 * step], audio[6 * step :]
    for i in range(0, len(first_second), step):
        await stream.feed(first_second[i : i + step])
    async with asyncio.timeout(30):  # the partial for the first second arrives while the caller talks on
        while not results:
            await asyncio.sleep(0.02)
    for i in range(0, len(rest), step):
        await stream.feed(rest[i : i + step])
    await stream.finish()
    await reader
    partials, finals = [r for r in results if not r.is_final], [r for r in results if r.is_final]
    assert len(finals) == 1 and finals[0] is results[-1]
    assert partials, "a stream longer than the partial interval yields partial results"
    assert "dr nguyen" in normalize(finals[0].text)
    with pytest.raises(ValidationFailed):
        await stream.feed(b"\0\0")


async def test_silence_and_empty_audio_give_empty_transcripts(local_stt: LocalSpeechToText) -> None:
    assert (await local_stt.transcribe(b"")).text == ""
    assert (await local_stt.transcribe(bytes(16000 * 2 * 3))).text == ""


async def test_bad_audio_is_rejected_with_clear_errors(local_stt: LocalSpeechToText) -> None:
    with pytest.raises(BadAudio, match="even number"):
        await local_stt.transcribe(b"\x01\x02\x03")
    with pytest.raises(BadAudio, match="sample rate"):
        await local_stt.transcribe(b"\0\0", sample_rate=1000)
    with pytest.raises(PayloadTooLarge):
        await LocalSpeechToText(max_seconds=60).transcribe(bytes(20 * 60 * 16000 * 2))  # 20 min of silence
    with pytest.raises(ValidationFailed):
        await local_stt.transcribe(b"\0\0" * 1600, hints=["Dr. X" * 200])
    stream = local_stt.open_stream()
    with pytest.raises(BadAudio):
        await stream.feed(b"\x01")


async def test_tts_formats_voices_and_streaming(local_tts: LocalTextToSpeech) -> None:
    text = "Thank you for calling. Dr. Patel can see you on Monday at 10:30 a.m. Goodbye."
    chunks = [c async for c in local_tts.synthesize(text)]
    assert len(chunks) > 3  # streamed in pieces, not one blob
    pcm16 = pcm16_samples(b"".join(chunks))
    assert 3.0 < pcm16.size / 16000 < 10.0 and rms_dbfs(pcm16) > -30
    pcm24 = pcm16_samples(await speak(local_tts, text, fmt=PCM16_24K))
    assert pcm24.size == pytest.approx(pcm16.size * 1.5, rel=0.01)
    ulaw = await speak(local_tts, text, fmt=MULAW_8K)
    assert len(ulaw) == pytest.approx(pcm16.size / 2, rel=0.01)
    assert rms_dbfs(mulaw.decode(ulaw)) > -30
    british = pcm16_samples(await speak(local_tts, text, voice="en-gb-x-rp"))
    assert british.size != pcm16.size  # another voice, another rendering
    slow = pcm16_samples(await speak(LocalTextToSpeech(rate_wpm=120), text, fmt=PCM16_16K))
    assert slow.size > pcm16.size * 1.2
    assert await speak(local_tts, "   ") == b""


async def test_tts_errors(local_tts: LocalTextToSpeech) -> None:
    with pytest.raises(ProviderError) as info:
        await speak(local_tts, "Hello.", voice="xx-not-a-voice")
    assert info.value.transient is False and info.value.provider == "local"
    with pytest.raises(ValidationFailed):
        await speak(local_tts, "a" * 5001)
    with pytest.raises(ValidationFailed):
        LocalTextToSpeech(rate_wpm=10)
    # the engine recovers after a bad voice
    assert len(await speak(local_tts, "Hello.", fmt=PCM16_16K)) > 1000


async def test_concurrent_synthesis_is_safe(local_tts: LocalTextToSpeech) -> None:
    texts = ["Good morning.", "Your appointment is confirmed.", "Please hold."] * 3
    alone = [len(await speak(local_tts, t)) for t in texts]
    together = [len(a) for a in await asyncio.gather(*(speak(local_tts, t) for t in texts))]
    # eSpeak varies a few samples between runs; interleaved callbacks would mix whole utterances
    assert together == pytest.approx(alone, rel=0.02)


def test_wav_from_tts_is_readable_by_the_standard_library() -> None:
    from audio.wav import write_wav

    data = write_wav(np.arange(-50, 50, dtype=np.int16), PCM16_16K.sample_rate)
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()) == (16000, 1, 2, 100)
