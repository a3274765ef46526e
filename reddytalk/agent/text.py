"""The one text normaliser of the receptionist: every brain, matcher and tool reads what a caller
said through ``normalise`` (and ``words_to_numbers`` for spoken numbers), so two parts of the agent
can never disagree about what the words were.

``words_to_numbers`` is hand-written on purpose: ``text2num`` (checked) leaves "at two" as words,
splits years ("nineteen eighty four" → "19 84") and turns "ten o'clock" into "10 0 clock", all of
which a receptionist hears constantly. Phone numbers are read digit by digit ("five five five, oh
one two …").
"""

from __future__ import annotations

import re
import unicodedata

_UNITS = {
    "zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
    "twentieth": 20, "thirtieth": 30,
}  # fmt: skip


_FILLERS = re.compile(r"\b(?:um+|uh+|erm+|er|ah+|hmm+|you know|i mean like|like,)\b")


def normalise(text: str) -> str:
    """Lower case, no accents ("González" → "gonzalez"), straight quotes, no ordinal suffixes or
    punctuation, hyphens as spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.lower().replace("\u2019", "'")
    text = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text)
    text = re.sub(r"'(\d{2})\b", r"\1", text)  # "March 12, '84"
    text = re.sub(r"[^a-z0-9:/' -]+", " ", text)
    text = text.replace("-", " ")
    return re.sub(r"\s+", " ", text).strip()


def words_to_numbers(text: str) -> str:
    """'march twelfth nineteen eighty four' → 'march 12 1984'; 'ten thirty' → '10 30'."""
    tokens = text.split()
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        nxt2 = tokens[i + 2] if i + 2 < len(tokens) else ""
        if tok == "two" and nxt == "thousand":
            rest, used = _small(tokens[i + 2 :], allow_and=True)
            out.append(str(2000 + (rest or 0)))
            i += 2 + used
            continue
        if tok in {"nineteen", "eighteen"} and (
            nxt in _TENS or (nxt in _UNITS and _UNITS[nxt] >= 10) or nxt == "hundred"
        ):
            century = 1900 if tok == "nineteen" else 1800
            if nxt == "hundred":
                out.append(str(century))
                i += 2
                continue
            rest, used = _small(tokens[i + 1 :])
            out.append(str(century + (rest or 0)))
            i += 1 + used
            continue
        if tok in _ORDINALS:
            out.append(str(_ORDINALS[tok]))
            i += 1
            continue
        if tok in _TENS and nxt in _ORDINALS and _ORDINALS[nxt] < 10:
            out.append(str(_TENS[tok] + _ORDINALS[nxt]))
            i += 2
            continue
        if tok in _UNITS or tok in _TENS:
            value, used = _small(tokens[i:])
            if tok in _UNITS and _UNITS[tok] <= 12 and (nxt in _TENS or nxt in {"fifteen", "oh"}):
                minutes, used2 = _small(tokens[i + 1 + (1 if nxt == "oh" else 0) :])
                if (minutes or 0) <= 59:  # "twelve eighty four" is a date's digits, not a time
                    out.append(f"{_UNITS[tok]}:{minutes or 0:02d}")
                    i += 1 + used2 + (1 if nxt == "oh" else 0)
                    continue
            out.append(str(value))
            i += used
            del nxt2
            continue
        out.append(tok)
        i += 1
    return " ".join(out)


def _small(tokens: list[str], allow_and: bool = False) -> tuple[int | None, int]:
    """Parse 0-99 from the start of tokens; returns (value, tokens used)."""
    i = 0
    if allow_and and tokens[:1] == ["and"]:
        i = 1
    if i < len(tokens) and tokens[i] in _TENS:
        value = _TENS[tokens[i]]
        if i + 1 < len(tokens) and tokens[i + 1] in _UNITS and 0 < _UNITS[tokens[i + 1]] < 10:
            return value + _UNITS[tokens[i + 1]], i + 2
        if i + 1 < len(tokens) and tokens[i + 1] in _ORDINALS and _ORDINALS[tokens[i + 1]] < 10:
            return value + _ORDINALS[tokens[i + 1]], i + 2
        return value, i + 1
    if i < len(tokens) and tokens[i] in _UNITS:
        return _UNITS[tokens[i]], i + 1
    return None, i


def strip_fillers(text: str) -> str:
    """Drop disfluencies ("um", "uh", "you know") from normalised text."""
    return re.sub(r"\s+", " ", _FILLERS.sub(" ", text)).strip()


def letters(text: str) -> str:
    """Only letters and single spaces (for comparing names)."""
    return re.sub(r"\s+", " ", re.sub(r"[^a-z ]+", " ", normalise(text))).strip()


_DIGIT_RUN = re.compile(r"(?:\+?\d[\d :/().-]*\d)")


def find_phone(numeric: str) -> str | None:
    """A phone number (7-15 digits) in text whose spoken numbers are already digits; digits only."""
    best = ""
    for match in _DIGIT_RUN.finditer(numeric):
        digits = re.sub(r"\D", "", match.group(0))
        if len(digits) > len(best):
            best = digits
    return best if 7 <= len(best) <= 15 else None


def say_phone(digits: str) -> str:
    """Digits read back in groups: 555-123-4567 → "555, 123, 4567"."""
    d = re.sub(r"\D", "", digits)
    if len(d) == 11 and d.startswith("1"):
        d = d[1:]
    if len(d) == 10:
        return f"{d[:3]}, {d[3:6]}, {d[6:]}"
    if len(d) == 7:
        return f"{d[:3]}, {d[3:]}"
    return d
