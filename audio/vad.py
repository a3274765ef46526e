"""The voice-activity-detector interface: one frame of 16 kHz float32 audio in, speech probability out.

Implementations keep per-stream state (one detector per call leg), so they are cheap to create;
anything heavy (the ONNX session) is shared per process.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt


class VoiceActivityDetector(Protocol):
    sample_rate: int
    frame_size: int  # samples per ``process`` call
    latency_samples: int  # how long the probability stays high after speech ends (model lag)

    def process(self, frame: npt.NDArray[np.float32]) -> float:
        """Probability (0..1) that ``frame`` (exactly ``frame_size`` samples, [-1, 1)) holds speech."""
        ...

    def reset(self) -> None:
        """Forget the stream so far (start of a new stream)."""
        ...
