"""Silero VAD v6, run with onnxruntime from the model file that ships inside faster-whisper.

The model takes 512 new samples at 16 kHz plus the 64 samples before them, and carries LSTM state
``h``/``c`` ([1, 1, 128]) from window to window. The ONNX session is loaded once per process (one
intra-op thread: frames are tiny and the machine has two cores that whisper needs); the state lives
in each ``SileroVad`` so every call leg has its own.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from audio.errors import AudioFormatError

SAMPLE_RATE = 16000
FRAME_SIZE = 512
CONTEXT_SIZE = 64

_session_lock = threading.Lock()
_session: Any = None


def model_path() -> Path:
    """``faster_whisper/assets/silero_vad_v6.onnx``, found without importing faster-whisper."""
    spec = importlib.util.find_spec("faster_whisper")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("faster-whisper is not installed; it carries the Silero VAD model")
    return Path(next(iter(spec.submodule_search_locations))) / "assets" / "silero_vad_v6.onnx"


def shared_session() -> Any:
    """The process-wide onnxruntime session for the Silero model (created on first use)."""
    global _session
    with _session_lock:
        if _session is None:
            import onnxruntime

            opts = onnxruntime.SessionOptions()
            opts.intra_op_num_threads = 1
            opts.inter_op_num_threads = 1
            opts.enable_cpu_mem_arena = False
            opts.log_severity_level = 4
            _session = onnxruntime.InferenceSession(
                str(model_path()), providers=["CPUExecutionProvider"], sess_options=opts
            )
        return _session


class SileroVad:
    """Streaming Silero VAD for one audio stream (16 kHz, 512-sample frames)."""

    sample_rate = SAMPLE_RATE
    frame_size = FRAME_SIZE
    latency_samples = FRAME_SIZE  # measured: the frame after the last speech sample still scores high

    def __init__(self) -> None:
        self._session = shared_session()
        self.reset()

    def reset(self) -> None:
        self._h = np.zeros((1, 1, 128), np.float32)
        self._c = np.zeros((1, 1, 128), np.float32)
        self._context = np.zeros(CONTEXT_SIZE, np.float32)

    def process(self, frame: npt.NDArray[np.float32]) -> float:
        window = np.asarray(frame, dtype=np.float32).reshape(-1)
        if window.size != FRAME_SIZE:
            raise AudioFormatError(f"Silero VAD takes {FRAME_SIZE}-sample frames, got {window.size}")
        model_input = np.concatenate([self._context, window])[None, :]
        prob, self._h, self._c = self._session.run(None, {"input": model_input, "h": self._h, "c": self._c})
        self._context = window[-CONTEXT_SIZE:].copy()
        return float(np.asarray(prob).reshape(-1)[0])
