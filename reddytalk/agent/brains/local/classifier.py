"""The local brain's intent classifier: hashed word and character n-grams into a softmax regression,
trained in numpy from ``data/intents.json``.

Training is deterministic (zero initialisation, full-batch gradient descent, fixed epochs) and takes
well under a second, so the model is retrained from the data file on first use; improving the
classifier means adding examples to the file (or pointing ``load`` at a file the training pipeline
wrote) — no weights are checked in.
"""

from __future__ import annotations

import itertools
import json
import re
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from reddytalk.agent.text import normalise

DATA = Path(__file__).with_name("data") / "intents.json"
DIMENSIONS = 2**13


def features(text: str) -> list[int]:
    """Hashed indices of word unigrams, bigrams and character trigrams (tolerant of STT spelling)."""
    words = normalise(text).replace("/", " ").replace(":", " ").split()  # the agent's one normaliser
    grams = [f"w:{w}" for w in words] + [f"b:{a}_{b}" for a, b in itertools.pairwise(words)]
    for word in words:
        padded = f"<{word}>"
        grams.extend(f"c:{padded[i : i + 3]}" for i in range(len(padded) - 2))
    if not words:
        grams.append("empty")
    return [zlib.crc32(g.encode()) % DIMENSIONS for g in grams]


def vectorise(texts: list[str]) -> np.ndarray:
    matrix = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    for row, text in enumerate(texts):
        for index in features(text):
            matrix[row, index] += 1.0
        norm = np.linalg.norm(matrix[row])
        if norm:
            matrix[row] /= norm
    return matrix


@dataclass(frozen=True)
class IntentClassifier:
    labels: tuple[str, ...]
    weights: np.ndarray  # (DIMENSIONS, classes)
    bias: np.ndarray  # (classes,)

    def probabilities(self, text: str) -> dict[str, float]:
        logits = vectorise([text]) @ self.weights + self.bias
        exp = np.exp(logits[0] - logits[0].max())
        probs = exp / exp.sum()
        return {label: float(p) for label, p in zip(self.labels, probs, strict=True)}

    def predict(self, text: str) -> tuple[str, float]:
        probs = self.probabilities(text)
        label = max(probs, key=lambda k: probs[k])
        return label, probs[label]


def train(
    examples: dict[str, list[str]], *, epochs: int = 200, rate: float = 20.0, l2: float = 0.0
) -> IntentClassifier:
    """Fit a softmax regression on (text, intent) pairs with sparse full-batch gradient descent."""
    labels = tuple(sorted(examples))
    texts = [t for label in labels for t in examples[label]]
    targets = np.array([i for i, label in enumerate(labels) for _ in examples[label]])
    full = vectorise(texts)
    rows, cols = np.nonzero(full)  # row-major order: rows ascending
    vals = full[rows, cols].astype(np.float64)
    row_starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    by_col = np.argsort(cols, kind="stable")
    col_sorted = cols[by_col]
    col_starts = np.flatnonzero(np.r_[True, col_sorted[1:] != col_sorted[:-1]])
    used = col_sorted[col_starts]
    compact = np.searchsorted(used, cols)  # column index into the trained (used) weights
    n, k = len(texts), len(labels)
    y = np.zeros((n, k))
    y[np.arange(n), targets] = 1.0
    weights = np.zeros((len(used), k))
    bias = np.zeros(k)
    for _ in range(epochs):
        logits = np.add.reduceat(vals[:, None] * weights[compact], row_starts, axis=0) + bias
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        grad = (probs - y) / n
        contrib = (vals[:, None] * grad[rows])[by_col]
        weights -= rate * (np.add.reduceat(contrib, col_starts, axis=0) + l2 * weights)
        bias -= rate * grad.sum(axis=0)
    scattered = np.zeros((DIMENSIONS, k), dtype=np.float32)
    scattered[used] = weights
    return IntentClassifier(labels, scattered, bias.astype(np.float32))


def read_examples(path: Path = DATA) -> dict[str, list[str]]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {k: list(v) for k, v in raw.items() if not k.startswith("_")}


@lru_cache(maxsize=4)
def load(path: Path = DATA) -> IntentClassifier:
    """The classifier trained from ``path`` (cached per process)."""
    return train(read_examples(path))


@lru_cache(maxsize=4)
def vocabulary(path: Path = DATA, *, exclude: tuple[str, ...] = ("inform",)) -> frozenset[str]:
    """Every word of the training data outside ``exclude``: ordinary words, never names."""
    words: set[str] = set()
    for label, texts in read_examples(path).items():
        if label in exclude:
            continue
        for text in texts:  # capitalised words are proper nouns (doctors, insurers): names can share them
            words.update(w.lower() for w in re.sub(r"[^A-Za-z' ]+", " ", text).split() if not w[0].isupper())
    return frozenset(words)
