"""Sentence splitting for streaming LLM text into TTS.

The LLM streams tokens; TTS wants whole sentences (prosody) but as early as possible (latency).
``SentenceSplitter.push`` returns sentences as soon as their end is certain, which needs one look
past the terminator: "Dr. Patel" and "10:30 a.m. on Monday" must not split, "at 10:30 a.m. Is that
okay?" must. Decimals ("3.5") and times ("10:30") never split because no space follows the dot.
"""

from __future__ import annotations

import re

# Words that end in a dot but rarely end a sentence (titles, common abbreviations).
NEVER_FINAL = frozenset(
    {
        "dr",
        "mr",
        "mrs",
        "ms",
        "mx",
        "prof",
        "st",
        "sr",
        "jr",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "no",
        "approx",
        "dept",
        "ave",
        "apt",
        "mt",
        "ft",
    }
)
# Abbreviations that end a sentence when the next word starts with a capital letter.
MAYBE_FINAL = frozenset({"a.m", "p.m", "am", "pm", "u.s", "inc", "ltd", "co"})

_TERMINATOR = re.compile(r"[.!?]+[\"')\]]*(?=\s)|\n\s*\n")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)\.$")


class SentenceSplitter:
    """Accumulates streamed text and hands out complete sentences.

    ``max_chars``: a sentence longer than this is cut at the last comma/semicolon (or space) so TTS
    can start on very long unpunctuated LLM output.
    """

    def __init__(self, *, max_chars: int = 240) -> None:
        self.max_chars = max_chars
        self._buf = ""

    def push(self, delta: str) -> list[str]:
        """Add streamed text; return the sentences now known to be complete."""
        self._buf += delta
        out: list[str] = []
        while True:
            cut = self._next_cut()
            if cut is None:
                break
            sentence, self._buf = self._buf[:cut].strip(), self._buf[cut:].lstrip()
            if sentence:
                out.append(sentence)
        return out

    def flush(self) -> list[str]:
        """The rest of the text as a final sentence (if any)."""
        rest, self._buf = self._buf.strip(), ""
        return [rest] if rest else []

    def _next_cut(self) -> int | None:
        for match in _TERMINATOR.finditer(self._buf):
            end = match.end()
            if match.group().strip() == "":  # blank line
                return end
            following = self._buf[end:].lstrip()
            if not following:
                return None  # cannot decide until the next word arrives
            if self._is_boundary(self._buf[:end].rstrip("\"')]"), following):
                return end
        if len(self._buf) > self.max_chars:
            return self._soft_cut()
        return None

    @staticmethod
    def _is_boundary(head: str, following: str) -> bool:
        if not head.endswith("."):
            return True  # ! or ?
        match = _WORD_BEFORE.search(head)
        if match is None:
            return True  # e.g. "… 42." ends a sentence
        word = match.group(1).lower().rstrip(".")
        if word in NEVER_FINAL:
            return False
        if len(word) == 1 and match.group(1).isupper():
            return False  # an initial: "J. Smith"
        if word in MAYBE_FINAL:
            return following[:1].isupper()
        return True

    def _soft_cut(self) -> int:
        window = self._buf[: self.max_chars]
        for sep in (";", ",", " "):
            pos = window.rfind(sep)
            if pos > self.max_chars // 3:
                return pos + 1
        return self.max_chars


def split_sentences(text: str) -> list[str]:
    """Split a whole text at once (the non-streaming case)."""
    splitter = SentenceSplitter()
    return splitter.push(text) + splitter.flush()
