"""The red-flag detector on the development set (recall 100 %, false alarms <= 2 %), and the context
rules callers rely on: negation, past history, hypotheticals, third parties, speech-to-text slips."""

from __future__ import annotations

from pathlib import Path

import pytest

from reddytalk.agent.guardrails import detect_emergency, emergency_reply
from reddytalk.agent.safety.catalogue import load
from reddytalk.agent.safety.evaluate import evaluate, read_set

HERE = Path(__file__).parent
RED_FLAGS = read_set(HERE / "red_flags.txt")
ORDINARY = read_set(HERE / "ordinary.txt")

REQUIRED_CATEGORIES = {
    "chest_pain",
    "stroke",
    "breathing",
    "anaphylaxis",
    "bleeding",
    "headache",
    "collapse",
    "seizure",
    "overdose",
    "suicidal",
    "pregnancy",
    "infant",
    "infant_fever",
    "burns",
    "head_injury",
}


def test_development_sets_are_large_enough() -> None:
    assert len(RED_FLAGS) >= 80
    assert len(ORDINARY) >= 80


def test_recall_is_total_and_false_alarms_are_rare_on_the_development_set() -> None:
    report = evaluate(RED_FLAGS, ORDINARY)
    assert report.missed == [], report.missed
    assert report.recall == 1.0
    assert report.false_alarm_rate <= 0.02, report.alarmed


def test_catalogue_covers_every_required_category_and_names_sources() -> None:
    catalogue = load()
    ids = {c.id for c in catalogue.categories}
    assert ids >= REQUIRED_CATEGORIES
    for category in catalogue.categories:
        assert category.sources, category.id
        assert category.patterns, category.id


@pytest.mark.parametrize("category", [c for c in load().categories], ids=lambda c: c.id)
def test_every_catalogue_example_fires_its_own_category(category: object) -> None:
    from reddytalk.agent.safety.catalogue import Category

    assert isinstance(category, Category)
    for example in category.examples:
        hit = detect_emergency(example)
        assert hit is not None and category.id in hit.categories, example


@pytest.mark.parametrize(
    ("affirmed", "not_now"),
    [
        ("I'm having chest pain", "I'm not having chest pain"),
        ("my son is having a seizure", "my son's last seizure was years ago"),
        ("my dad is having a stroke", "my dad had a stroke in 2019"),
        ("he has trouble breathing", "he has no trouble breathing"),
        ("my husband has crushing chest pain", "my husband had chest pain last year and was fine"),
        ("she is having an allergic reaction", "what should we do if she has an allergic reaction"),
        ("I want to end my life", "I'm not suicidal"),
        ("my 3 week old has a fever", "my 3 year old has a fever"),
        ("I'm pregnant and bleeding", "I'm not pregnant, just bleeding gums when I floss"),
    ],
)
def test_context_decides_between_now_and_not_now(affirmed: str, not_now: str) -> None:
    assert detect_emergency(affirmed) is not None, affirmed
    assert detect_emergency(not_now) is None, not_now


@pytest.mark.parametrize(
    "phrase",
    [
        "No, I'm having chest pain",  # an answer, then a new statement
        "no i am having chest pain",  # the same without punctuation
        "I've never had chest pain like this",  # a comparison, the pain is now
        "my husband, who had a heart attack last year, is having chest pain",
        "my husband who had a heart attack last year is having chest pain",
        "I had chest pain last year and it's back",
        "my mom had a stroke years ago but now her face is drooping",
        "I'm not sure, but I think he's having a stroke",
        "for the last hour my chest has been hurting",
        "I've been short of breath since last week",
        "my brother is seizing",  # third party, now
    ],
)
def test_safety_first_readings_keep_the_alarm(phrase: str) -> None:
    assert detect_emergency(phrase) is not None, phrase


@pytest.mark.parametrize(
    "phrase",
    ["my chess hurts", "I cant breeth", "she's unconsious", "he's having a siezure", "she over dosed"],
)
def test_speech_to_text_slips_are_tolerated(phrase: str) -> None:
    assert detect_emergency(phrase) is not None, phrase


@pytest.mark.parametrize("phrase", ["I was cooking dinner", "I'm seeing Dr. Chen", "I have poison ivy"])
def test_slip_repair_does_not_invent_red_flags(phrase: str) -> None:
    assert detect_emergency(phrase) is None, phrase


def test_replies_send_to_911_and_add_crisis_and_poison_lines() -> None:
    suicidal = detect_emergency("I took all my pills because I want to die")
    assert suicidal is not None
    reply = emergency_reply(suicidal)
    assert "911" in reply and "988" in reply and "Poison Control" in reply
    chest = detect_emergency("my chest hurts")
    assert chest is not None
    assert "988" not in emergency_reply(chest) and "emergency room" in emergency_reply(chest)
