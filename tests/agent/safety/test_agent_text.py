"""The agent's one normaliser: what every matcher sees (contractions, apostrophes, STT slips)."""

from __future__ import annotations

import pytest

from reddytalk.agent.safety.text import clauses, normalise, snap_words


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("I can\u2019t breathe!", "i cannot breathe"),
        ("I'm NOT having chest pain.", "i am not having chest pain"),
        ("my chess hurts", "my chest hurts"),
        ("she over dosed", "she overdosed"),
        ("everyone's appointments", "everyones appointments"),
        ("  it's   3 pm,  ok? ", "it is 3 pm ok"),
    ],
)
def test_normalise(raw: str, normal: str) -> None:
    assert normalise(raw) == normal
    assert normalise(normal) == normal  # idempotent


def test_clauses_split_where_the_transcript_put_punctuation() -> None:
    assert clauses("No. My chest hurts, badly; call someone") == [
        "no",
        "my chest hurts",
        "badly",
        "call someone",
    ]


def test_snap_words_repairs_near_misses_of_a_vocabulary_only() -> None:
    assert snap_words("he is unconsious", ["unconscious"]) == "he is unconscious"
    assert snap_words("he is fine", ["unconscious"]) == "he is fine"
