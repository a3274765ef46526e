"""The one error type of the audio library.

``audio`` must not depend on the app, so it raises its own error; the app's edge wraps it in
``reddytalk.errors.BadAudio`` (or ``PayloadTooLarge`` for ``AudioTooLarge``).
"""

from __future__ import annotations


class AudioFormatError(ValueError):
    """Audio bytes that cannot be decoded: truncated, mis-declared, unsupported or malformed."""


class AudioTooLarge(AudioFormatError):
    """Audio larger than the caller's limit; rejected before any decoding work."""
