"""Retraining the intent classifier: a dataset snapshot, a held-out evaluation, and a registry.

Training is deterministic, so a model is fully described by its training data: a registered
version names a dataset snapshot (``training`` container, type ``dataset``) and the model document
(``models`` container, partition ``version``) records its held-out accuracy. The active version is
the ``active`` document in ``models``. A candidate becomes active only when its held-out accuracy
is at least the active model's on the same held-out split (the seed data's when none is active).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import zlib
from typing import Any

from reddytalk.agent.brains.local.classifier import IntentClassifier, read_examples, train
from reddytalk.errors import NotFound
from reddytalk.stores.documents.base import DocumentStore

TRAINING = "training"
MODELS = "models"
DATASET_TYPE = "dataset"
ACTIVE = "active"
MIN_CONFIDENCE = 0.8  # call examples are labelled by the classifier itself: keep the confident ones
MAX_CALL_EXAMPLES = 5000  # keeps a snapshot document well under the store's document size limit
TEST_BUCKETS = 5  # one in five texts (by hash) is held out

Examples = dict[str, list[str]]


def held_out(text: str) -> bool:
    return zlib.crc32(text.lower().encode()) % TEST_BUCKETS == 0


def merge(seed: Examples, calls: list[dict[str, Any]]) -> Examples:
    """Seed examples plus confident call examples of known intents, de-duplicated."""
    merged = {label: list(dict.fromkeys(texts)) for label, texts in seed.items()}
    seen = {t.lower() for texts in merged.values() for t in texts}
    confident = [c for c in calls if c["confidence"] >= MIN_CONFIDENCE and c["intent"] in merged]
    for example in confident[-MAX_CALL_EXAMPLES:]:
        if example["text"].lower() not in seen:
            seen.add(example["text"].lower())
            merged[example["intent"]].append(example["text"])
    return merged


def split(data: Examples) -> tuple[Examples, Examples]:
    """Deterministic train/test split; a label keeps at least one training example."""
    train_part: Examples = {}
    test_part: Examples = {}
    for label, texts in data.items():
        test = [t for t in texts if held_out(t)]
        rest = [t for t in texts if not held_out(t)]
        if not rest:
            rest, test = texts[:1], texts[1:]
        train_part[label] = rest
        test_part[label] = test
    return train_part, test_part


def version_of(train_part: Examples, test_part: Examples) -> str:
    canonical = json.dumps([train_part, test_part], sort_keys=True, ensure_ascii=False)
    return "v-" + hashlib.sha256(canonical.encode()).hexdigest()[:16]


def accuracy(classifier: IntentClassifier, test_part: Examples) -> float:
    pairs = [(t, label) for label, texts in test_part.items() for t in texts]
    if not pairs:
        return 0.0
    hits = sum(classifier.predict(text)[0] == label for text, label in pairs)
    return round(hits / len(pairs), 4)


def _train_and_score(train_part: Examples, test_part: Examples) -> float:
    return accuracy(train(train_part), test_part)


class ModelRegistry:
    """Dataset snapshots, registered model versions and the active pointer."""

    def __init__(self, documents: DocumentStore) -> None:
        self.documents = documents

    async def snapshot(self, data: Examples) -> dict[str, Any]:
        train_part, test_part = split(data)
        version = version_of(train_part, test_part)
        await self.documents.upsert(
            TRAINING,
            {
                "id": version,
                "type": DATASET_TYPE,
                "train": train_part,
                "test": test_part,
                "created_at": time.time(),
            },
        )
        return {
            "version": version,
            "train_size": sum(map(len, train_part.values())),
            "test_size": sum(map(len, test_part.values())),
        }

    async def dataset(self, version: str) -> tuple[Examples, Examples]:
        doc = await self.documents.read(TRAINING, version, DATASET_TYPE)
        return doc["train"], doc["test"]

    async def active_version(self) -> str | None:
        try:
            doc = await self.documents.read(MODELS, ACTIVE, ACTIVE)
        except NotFound:
            return None
        return str(doc["active_version"])

    async def classifier(self, version: str) -> IntentClassifier:
        try:
            await self.documents.read(MODELS, version, version)
        except NotFound:
            raise NotFound(f"intent model {version} is not registered") from None
        train_part, _ = await self.dataset(version)
        return train(train_part)

    async def evaluate(self, version: str) -> dict[str, Any]:
        """Held-out accuracy of the candidate and of the active model (or the seed data's split)."""
        train_part, test_part = await self.dataset(version)
        baseline_version = await self.active_version()
        if baseline_version is not None:
            baseline_train, _ = await self.dataset(baseline_version)
        else:
            baseline_train = split(read_examples())[0]
        # Training is CPU-bound (about a second each): keep the event loop serving meanwhile.
        candidate_score = await asyncio.to_thread(_train_and_score, train_part, test_part)
        baseline_score = await asyncio.to_thread(_train_and_score, baseline_train, test_part)
        return {
            "version": version,
            "accuracy": candidate_score,
            "baseline_version": baseline_version,
            "baseline_accuracy": baseline_score,
        }

    async def register(self, evaluation: dict[str, Any]) -> dict[str, Any]:
        version = evaluation["version"]
        await self.documents.upsert(
            MODELS,
            {
                "id": version,
                "version": version,
                "kind": "intent_classifier",
                "accuracy": evaluation["accuracy"],
                "baseline_version": evaluation.get("baseline_version"),
                "baseline_accuracy": evaluation["baseline_accuracy"],
                "registered_at": time.time(),
            },
        )
        await self.documents.upsert(
            MODELS, {"id": ACTIVE, "version": ACTIVE, "active_version": version, "activated_at": time.time()}
        )
        return {"registered": True, "version": version}
