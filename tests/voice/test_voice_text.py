"""Sentence splitting of streamed LLM text for TTS."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reddytalk.voice.text import SentenceSplitter, split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Dr. Patel can see you at 10:30 a.m. on Monday. Does that work?",
            ["Dr. Patel can see you at 10:30 a.m. on Monday.", "Does that work?"],
        ),
        ("See you at 10:30 a.m. Is that okay?", ["See you at 10:30 a.m.", "Is that okay?"]),
        ("The dose is 3.5 mg. Take it daily!", ["The dose is 3.5 mg.", "Take it daily!"]),
        ("J. R. Smith called. Mrs. Lee too.", ["J. R. Smith called.", "Mrs. Lee too."]),
        ("Your copay is $25.00. Thanks.", ["Your copay is $25.00.", "Thanks."]),
        ('She said "yes." Then left.', ['She said "yes."', "Then left."]),
        ("Wait... really? Yes!", ["Wait...", "really?", "Yes!"]),
        ("First line\n\nSecond line", ["First line", "Second line"]),
        ("e.g. a cough. Or a fever.", ["e.g. a cough.", "Or a fever."]),
        ("No punctuation at all", ["No punctuation at all"]),
        ("", []),
    ],
)
def test_split(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_streaming_emits_a_sentence_once_the_next_word_begins() -> None:
    splitter = SentenceSplitter()
    assert splitter.push("Your appointment is at 9 a.m.") == []  # "a.m." may or may not end it
    assert splitter.push(" Please") == ["Your appointment is at 9 a.m."]
    assert splitter.push(" bring your card. Dr.") == ["Please bring your card."]
    assert splitter.push(" Lee will see you.") == []
    assert splitter.flush() == ["Dr. Lee will see you."]
    assert splitter.flush() == []


def test_very_long_unpunctuated_text_is_cut_at_a_comma() -> None:
    text = "we have openings on monday, " * 20
    parts = split_sentences(text)
    assert len(parts) > 1 and all(len(p) <= 240 for p in parts)
    assert " ".join(parts).split() == text.split()


words = st.sampled_from(
    [
        "Dr.",
        "Patel",
        "10:30",
        "a.m.",
        "3.5",
        "mg.",
        "Hello.",
        "Is",
        "that",
        "okay?",
        "J.",
        "Smith",
        "yes!",
        "on",
        "Monday.",
    ]
)


@given(st.lists(words, max_size=40), st.lists(st.integers(1, 12), min_size=1, max_size=10))
def test_streamed_chunks_split_like_the_whole_text_and_lose_nothing(
    tokens: list[str], cuts: list[int]
) -> None:
    text = " ".join(tokens)
    splitter = SentenceSplitter()
    out: list[str] = []
    pos, i = 0, 0
    while pos < len(text):
        out += splitter.push(text[pos : pos + cuts[i % len(cuts)]])
        pos += cuts[i % len(cuts)]
        i += 1
    out += splitter.flush()
    assert out == split_sentences(text)
    assert " ".join(out).split() == text.split()
