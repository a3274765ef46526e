"""eSpeak NG driven through ctypes, from the library and data shipped in the espeakng-loader wheel.

The C library keeps global state (one voice, one callback, one output buffer), so there is one
engine per process and every synthesis holds its lock. Synchronous mode: ``espeak_Synth`` returns
when the callback has received all samples (22050 Hz int16 with the bundled data).
"""

from __future__ import annotations

import ctypes
import threading
from typing import Any

import numpy as np

from audio.pcm import Int16Array

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_ESPEAK_CHARS_UTF8 = 1
_ESPEAK_ENDPAUSE = 0x1000
_ESPEAK_RATE = 1  # espeak_PARAMETER espeakRATE
_SYNTH_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)

MIN_RATE_WPM = 80
MAX_RATE_WPM = 450


class EspeakError(RuntimeError):
    """The engine refused a request (unknown voice, failed synthesis); ``permanent`` errors."""


class EspeakEngine:
    """The process-wide eSpeak NG instance; use ``EspeakEngine.shared()``."""

    _shared: EspeakEngine | None = None
    _shared_lock = threading.Lock()

    @classmethod
    def shared(cls) -> EspeakEngine:
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def __init__(self) -> None:
        import espeakng_loader

        lib: Any = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetSynthCallback.argtypes = [_SYNTH_CALLBACK]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        self._lib = lib
        self._lock = threading.Lock()
        data_path = espeakng_loader.get_data_path().encode()
        self.sample_rate = int(lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path, 0))
        if self.sample_rate <= 0:
            raise EspeakError(f"espeak_Initialize failed ({self.sample_rate})")
        self._chunks: list[Int16Array] = []
        self._callback = _SYNTH_CALLBACK(self._on_audio)  # C keeps the pointer: keep the object alive
        lib.espeak_SetSynthCallback(self._callback)
        self._voice: str | None = None
        self._rate: int | None = None

    def _on_audio(self, wav: Any, count: int, _events: Any) -> int:
        if wav and count > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).astype(np.int16))
        return 0

    def synthesize(self, text: str, *, voice: str, rate_wpm: int) -> Int16Array:
        """Speak ``text`` with ``voice`` at ``rate_wpm``; int16 samples at ``sample_rate``."""
        raw = text.encode("utf-8")
        buf = ctypes.create_string_buffer(raw)
        with self._lock:
            if voice != self._voice:
                if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
                    raise EspeakError(f"eSpeak voice {voice!r} not found")
                self._voice = voice
                self._rate = None  # a voice change resets the rate
            if rate_wpm != self._rate:
                self._lib.espeak_SetParameter(_ESPEAK_RATE, rate_wpm, 0)
                self._rate = rate_wpm
            self._chunks = []
            rc = self._lib.espeak_Synth(
                buf, len(raw) + 1, 0, 0, 0, _ESPEAK_CHARS_UTF8 | _ESPEAK_ENDPAUSE, None, None
            )
            if rc != 0:
                raise EspeakError(f"espeak_Synth failed ({rc})")
            chunks, self._chunks = self._chunks, []
        return np.concatenate(chunks) if chunks else np.zeros(0, np.int16)
