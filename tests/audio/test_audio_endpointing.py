"""VAD and end-of-turn detection on synthetic calls with known boundaries."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from synthetic_calls import RATE, SpeechFn, build_call

from audio.endpointing import (
    EndOfTurnDetector,
    EndpointConfig,
    Event,
    SpeculativePause,
    SpeechResumed,
    SpeechStarted,
    TurnEnded,
)
from audio.errors import AudioFormatError
from audio.pcm import pcm16_bytes
from audio.vad_energy import EnergyVad
from audio.vad_silero import SileroVad

pytestmark = pytest.mark.engines

TOLERANCE = round(0.100 * RATE)  # ±100 ms
ASK = "I would like to book an appointment"
WHEN = "with Doctor Patel next Tuesday morning"
INSURANCE = "Do you take Blue Cross insurance"


def run(detector: EndOfTurnDetector, audio: np.ndarray, chunk: int = 320) -> list[Event]:
    events: list[Event] = []
    for i in range(0, audio.size, chunk):
        events.extend(detector.push(pcm16_bytes(audio[i : i + chunk])))
    return events + detector.finish()


def turns(events: list[Event]) -> list[TurnEnded]:
    return [e for e in events if isinstance(e, TurnEnded)]


def bounds(ended: list[TurnEnded]) -> list[int]:
    return [x for t in ended for x in (t.start, t.end)]


@pytest.mark.parametrize("noise_rms", [0.0, 60.0, 200.0])
def test_turn_boundaries_are_within_100ms_and_a_300ms_pause_does_not_end_a_turn(
    speech: SpeechFn, noise_rms: float
) -> None:
    call = build_call([1.0, speech(ASK), 0.3, speech(WHEN), 1.2, speech(INSURANCE), 1.5], noise_rms=noise_rms)
    (ask, when, insurance) = call.spans
    ended = turns(run(EndOfTurnDetector(SileroVad(), EndpointConfig(end_of_turn_ms=500)), call.audio))
    # the 300 ms pause between ASK and WHEN is inside one turn
    assert bounds(ended) == pytest.approx([ask[0], when[1], insurance[0], insurance[1]], abs=TOLERANCE)
    assert all(t.reason == "silence" for t in ended)
    for turn in ended:  # the turn is declared 500 ms (to the next frame) after the speech ended
        assert 0.5 * RATE <= turn.at - turn.end < 0.5 * RATE + 512
        assert turn.audio.size == turn.end + round(0.1 * RATE) - turn.audio_start


def test_speculative_audio_is_reused_unless_the_caller_resumes(speech: SpeechFn) -> None:
    call = build_call([0.5, speech(ASK), 0.3, speech(WHEN), 1.0], noise_rms=30.0)
    events = run(EndOfTurnDetector(SileroVad(), EndpointConfig(speculative_pause_ms=200)), call.audio)
    kinds = [type(e) for e in events]
    assert kinds[0] is SpeechStarted and kinds[-1] is TurnEnded
    assert SpeechResumed in kinds  # the 300 ms pause passed the 200 ms speculation point
    last_spec = [e for e in events if isinstance(e, SpeculativePause)][-1]
    assert kinds.index(SpeechResumed) < events.index(last_spec)
    ended = turns(events)[0]
    assert (last_spec.start, last_spec.end, last_spec.audio_start) == (
        ended.start,
        ended.end,
        ended.audio_start,
    )
    assert np.array_equal(last_spec.audio, ended.audio)
    # speculation starts 300 ms earlier than the end of turn: that is the STT time hidden
    assert ended.at - last_spec.at == pytest.approx(0.3 * RATE, abs=512)


def test_energy_vad_fallback_finds_the_same_turns(speech: SpeechFn) -> None:
    call = build_call([1.0, speech(ASK), 0.3, speech(WHEN), 1.2, speech(INSURANCE), 1.5], noise_rms=60.0)
    (ask, when, insurance) = call.spans
    ended = turns(run(EndOfTurnDetector(EnergyVad()), call.audio))
    # energy cannot hear the quietest trailing phonemes as well as Silero: ±150 ms for the fallback
    assert bounds(ended) == pytest.approx(
        [ask[0], when[1], insurance[0], insurance[1]], abs=round(0.150 * RATE)
    )


@settings(max_examples=8, deadline=None)
@given(st.lists(st.integers(1, 4000), min_size=1, max_size=30))
def test_events_do_not_depend_on_chunk_sizes(speech: SpeechFn, cuts: list[int]) -> None:
    audio = build_call([0.4, speech(INSURANCE), 0.8]).audio
    reference = run(EndOfTurnDetector(EnergyVad()), audio, chunk=audio.size)
    detector = EndOfTurnDetector(EnergyVad())
    events: list[Event] = []
    pos, i = 0, 0
    while pos < audio.size:
        size = cuts[i % len(cuts)]
        events.extend(detector.push(audio[pos : pos + size]))
        pos, i = pos + size, i + 1
    events += detector.finish()
    assert [(type(e), e.at) for e in events] == [(type(e), e.at) for e in reference]
    assert np.array_equal(turns(events)[0].audio, turns(reference)[0].audio)


def test_max_utterance_length_cuts_a_long_monologue(speech: SpeechFn) -> None:
    long_speech = [speech(ASK), 0.1, speech(WHEN), 0.1, speech(INSURANCE)]
    call = build_call([0.3, *long_speech, 1.0])
    config = EndpointConfig(max_utterance_ms=2000)
    ended = turns(run(EndOfTurnDetector(SileroVad(), config), call.audio))
    assert ended[0].reason == "max_length"
    assert ended[0].end - ended[0].start == pytest.approx(2 * RATE, abs=512)
    assert len(ended) >= 2 and ended[-1].end == pytest.approx(call.spans[-1][1], abs=TOLERANCE)


def test_stream_ending_mid_speech_closes_the_turn(speech: SpeechFn) -> None:
    call = build_call([0.3, speech(ASK)])
    ended = turns(run(EndOfTurnDetector(SileroVad()), call.audio))
    assert [t.reason for t in ended] == ["stream_end"]


def test_twenty_minutes_of_silence_and_noise_raise_no_turn() -> None:
    rng = np.random.default_rng(3)
    silence = np.zeros(20 * 60 * RATE, np.int16)
    assert run(EndOfTurnDetector(SileroVad()), silence, chunk=RATE) == []
    hiss = np.clip(rng.normal(0, 300, 30 * RATE), -32768, 32767).astype(np.int16)
    assert turns(run(EndOfTurnDetector(SileroVad()), hiss, chunk=RATE)) == []


def test_clipped_speech_is_still_one_turn(speech: SpeechFn) -> None:
    loud = np.clip(speech(INSURANCE).astype(np.int32) * 3, -32768, 32767).astype(np.int16)
    assert np.mean(np.abs(loud.astype(np.int32)) >= 32767) > 0.01  # really clipped
    call = build_call([0.5, loud, 1.0])
    ended = turns(run(EndOfTurnDetector(SileroVad()), call.audio))
    assert len(ended) == 1
    assert (ended[0].start, ended[0].end) == pytest.approx(call.spans[0], abs=TOLERANCE)


def test_short_click_is_not_speech() -> None:
    audio = np.zeros(2 * RATE, np.int16)
    audio[RATE : RATE + 80] = 20000  # 5 ms click
    assert run(EndOfTurnDetector(SileroVad()), audio) == []


def test_bad_input_is_rejected() -> None:
    detector = EndOfTurnDetector(SileroVad())
    with pytest.raises(AudioFormatError):
        detector.push(b"\x00\x01\x02")
    with pytest.raises(AudioFormatError):
        SileroVad().process(np.zeros(100, np.float32))
    with pytest.raises(ValueError):
        EndpointConfig(speculative_pause_ms=800, end_of_turn_ms=500)


def test_silero_probability_separates_speech_from_silence(speech: SpeechFn) -> None:
    vad = SileroVad()
    voiced = speech(INSURANCE)[: 512 * 20].astype(np.float32) / 32768
    probs = [vad.process(voiced[i : i + 512]) for i in range(0, voiced.size, 512)]
    vad.reset()
    quiet = [vad.process(np.zeros(512, np.float32)) for _ in range(20)]
    assert np.mean(probs) > 0.7 and max(quiet) < 0.2


@pytest.mark.parametrize("pause_s", [0.1, 0.3, 0.4, 0.7, 1.0])
def test_a_pause_splits_the_turn_only_when_it_reaches_the_threshold(speech: SpeechFn, pause_s: float) -> None:
    call = build_call([0.5, speech(ASK), pause_s, speech(WHEN), 1.0], noise_rms=30.0)
    ended = turns(run(EndOfTurnDetector(SileroVad(), EndpointConfig(end_of_turn_ms=500)), call.audio))
    assert len(ended) == (2 if pause_s >= 0.6 else 1)


@settings(max_examples=12, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from([ASK, WHEN, INSURANCE]), st.floats(0.05, 1.5)), min_size=1, max_size=4)
)
def test_event_sequence_invariants(speech: SpeechFn, script: list[tuple[str, float]]) -> None:
    parts: list[np.ndarray | float] = [0.3]
    for text, pause in script:
        parts += [speech(text), pause]
    call = build_call(parts, noise_rms=30.0)
    events = run(EndOfTurnDetector(EnergyVad(), EndpointConfig(end_of_turn_ms=500)), call.audio)
    in_turn, speculating, last_at = False, False, 0
    for event in events:
        assert event.at >= last_at  # events come in stream order
        last_at = event.at
        if isinstance(event, SpeechStarted):
            assert not in_turn
            in_turn = True
        elif isinstance(event, SpeculativePause):
            assert in_turn and not speculating
            speculating = True
        elif isinstance(event, SpeechResumed):
            assert speculating
            speculating = False
        else:
            assert in_turn and event.start < event.end <= event.at
            assert event.audio.size == min(event.end + 1600, event.at) - event.audio_start
            in_turn, speculating = False, False
    assert not in_turn  # finish() closes any open turn
    n_long_pauses = sum(1 for _, pause in script[:-1] if pause >= 0.7)
    n_short_pauses = sum(1 for _, pause in script[:-1] if pause <= 0.4)
    assert n_long_pauses + 1 <= len(turns(events)) <= len(script) - n_short_pauses
