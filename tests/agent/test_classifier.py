"""The local brain's intent classifier: trained from its data file, deterministic, and right on
typical phrasings it was not trained on."""

from __future__ import annotations

import numpy as np
import pytest

from reddytalk.agent.brains.local import classifier


def test_training_is_deterministic_and_fits_its_data() -> None:
    examples = classifier.read_examples()
    first, second = classifier.train(examples), classifier.train(examples)
    assert np.array_equal(first.weights, second.weights)
    pairs = [(label, text) for label, texts in examples.items() for text in texts]
    right = sum(first.predict(text)[0] == label for label, text in pairs)
    assert right / len(pairs) >= 0.95


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("I'd like to set up a visit with the doctor", "book"),
        ("could you move my appointment to another day", "reschedule"),
        ("please cancel my visit", "cancel"),
        ("what time do you open on Saturday", "faq_hours"),
        ("is there a place to park", "faq_parking"),
        ("do you accept Cigna insurance", "faq_insurance"),
        ("I want to talk to a real person", "transfer"),
        ("yes that's perfect", "affirm"),
        ("goodbye thanks", "goodbye"),
    ],
)
def test_unseen_phrasings(text: str, intent: str) -> None:
    assert classifier.load().predict(text)[0] == intent


def test_new_examples_change_the_model() -> None:
    examples = classifier.read_examples()
    examples["faq_parking"] = [*examples["faq_parking"], "is the lot free for patients"]
    assert classifier.train(examples).predict("is the lot free for patients")[0] == "faq_parking"
