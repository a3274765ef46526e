"""Text normalisation for word error rate: both sides spelled the same way before comparing.

Whisper writes "10:30am", "March 3rd", "$25"; the reference may say the same in other spellings.
Both go through ``normalize`` (lower case, numbers and ordinals as words, no punctuation), so WER
counts recognition mistakes, not formatting choices.
"""

from __future__ import annotations

import re

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ORDINAL = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}


def number_words(n: int) -> str:
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if 1100 <= n < 10000 and n % 100 != 0 and not 2000 <= n < 2010:  # years: nineteen eighty five
        return (
            number_words(n // 100)
            + " "
            + (number_words(n % 100) if n % 100 >= 10 else "oh " + _ONES[n % 100])
        )
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " " + number_words(rest))
    rest = n % 1000
    return number_words(n // 1000) + " thousand" + ("" if rest == 0 else " " + number_words(rest))


def ordinal_words(n: int) -> str:
    words = number_words(n).split()
    last = words[-1]
    if last in _ORDINAL:
        words[-1] = _ORDINAL[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return " ".join(words)


def _spell(match: re.Match[str]) -> str:
    """Numbers as words; digit strings with a leading zero or over four digits digit by digit."""
    digits = match.group()
    if (digits.startswith("0") and len(digits) > 1) or len(digits) > 4:
        return " ".join(_ONES[int(c)] for c in digits)
    return number_words(int(digits))


def normalize(text: str) -> str:
    t = text.lower()
    t = re.sub(r"(\d)([ap]m)\b", r"\1 \2", t)  # 11am → 11 am
    t = re.sub(r"\b([ap])\.?\s?m\b\.?", r" \1 m ", t)  # a.m. / am / a m
    t = re.sub(r"\$(\d+)(?:\.00)?", r"\1 dollars", t)
    t = t.replace("%", " percent").replace("&", " and ").replace("-", " ")
    t = re.sub(r"(\d+):00\b", r"\1", t)  # 10:00 → ten
    t = re.sub(r"(\d+)[:.](\d\d)\b", r"\1 \2", t)  # 10:30 and 10.30
    t = re.sub(r"\b(\d+)(st|nd|rd|th)\b", lambda m: ordinal_words(int(m.group(1))), t)
    t = re.sub(r"\d+", _spell, t)
    t = re.sub(r"\bo'clock\b", "", t)
    t = re.sub(r"\b(doctor)\b", "dr", t)
    t = re.sub(r"\bhealth care\b", "healthcare", t)
    t = re.sub(r"[^a-z' ]+", " ", t).replace("'", "")
    return " ".join(t.split())
