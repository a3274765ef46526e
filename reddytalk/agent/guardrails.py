"""Deterministic checks that run on every caller utterance before any model sees it.

Patient safety lives in ``reddytalk.agent.safety`` (the red-flag catalogue and its ConText-style
detector, the medical-advice check and their fixed replies); this module keeps the injection check
and re-exports the safety entry points under their long-standing names. All matching runs over
``reddytalk.agent.safety.text.normalise`` (one normaliser for every safety rule).
"""

from __future__ import annotations

import re

from reddytalk.agent.safety.advice import is_advice_request
from reddytalk.agent.safety.detector import EmergencyHit
from reddytalk.agent.safety.detector import detect as detect_emergency
from reddytalk.agent.safety.replies import ADVICE_OFFERED, ADVICE_REPLY, emergency_reply
from reddytalk.agent.safety.text import normalise

__all__ = [
    "ADVICE_OFFERED",
    "ADVICE_REPLY",
    "INJECTION_REPLY",
    "EmergencyHit",
    "detect_emergency",
    "detect_injection",
    "emergency_reply",
    "is_advice_request",
    "normalise",
]

_W = r"(?:\w+ ){0,3}"
INJECTION_PATTERNS = tuple(
    re.compile(p)
    for p in (
        r"\b(?:ignore|disregard|forget|override|bypass) "
        + _W
        + r"(?:instructions|rules|prompt|programming|guidelines|training|policy|policies)\b",
        r"\b(?:system|developer) (?:prompt|message|mode)\b",
        r"\bjailbreak\b",
        r"\byou are now\b",
        r"\bpretend (?:to be|you are)\b",
        r"\b(?:reveal|repeat|print|show) " + _W + r"(?:instructions|prompt)\b",
        r"\b(?:read|list|give|tell|show|send|dump|export) (?:me )?(?:\w+ ){0,2}(?:all|every|other|everyone'?s?) (?:of )?(?:the )?(?:patients?|records|appointments|dates of birth|phone numbers)\b",
        r"\b(?:all|every|other) patients?'? (?:records|names|appointments|information|data|details)\b",
        r"\beveryone'?s? (?:appointments|records|information|details|data)\b",
        r"\b(?:dump|drop) (?:the )?(?:database|table)\b",
        r"\bi am (?:the|a) (?:doctor|administrator|admin|developer)\b.*\b(?:access|records|list|all)\b",
    )
)


def detect_injection(text: str) -> bool:
    """True when the caller tries to change the agent's instructions or reach other people's data."""
    norm = normalise(text)
    return any(p.search(norm) for p in INJECTION_PATTERNS)


INJECTION_REPLY = "I can only help with your own appointments and questions about the practice. What can I help you with today?"
