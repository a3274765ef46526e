"""What an utterance is about beyond the task it names: practice questions, clinical questions,
staff-only matters, "are you a person?", calls being returned, and who a family member is.

Pure patterns and helpers (no state changes except ``switch_patient``), kept apart from the policy
so the routing rules can be read in one place.
"""

from __future__ import annotations

import re

from reddytalk.agent.state import ConversationState

FAQ_TOPICS = {
    "faq_hours": "hours",
    "faq_address": "directions",
    "faq_parking": "parking",
    "faq_insurance": "insurance",
    "faq_fees": "fees",
    "faq_phone": "phone",
}
TASK_CONFIDENCE = 0.45
# The caller asks whether they are talking to a machine: the answer is always yes (AI disclosure).
WHO_ARE_YOU = re.compile(
    r"\b(?:are you (?:a )?(?:real|human|person|robot|bot|machine|computer|an ai|ai|automated)|is this (?:a )?(?:real person|robot|recording|machine|an ai)"
    r"|who am i (?:talking|speaking) (?:to|with)|am i talking to a (?:person|human|machine|robot|computer))\b"
)
# Someone at the practice called the caller: only staff know why.
RETURNING_CALL = re.compile(
    r"\b(?:voicemail|returning (?:a|your|the) call|you (?:guys )?called me|someone (?:from \w+ )?called me|missed (?:a|your) call)\b"
)
# Matters only staff handle: the caller is transferred rather than guessed at.
STAFF_MATTERS = re.compile(
    r"\b(?:results?|billing|bill|referrals?|nurse line|voicemail|missed (?:a |your )?call|returning (?:a|your) call"
    r"|you (?:guys )?called me|someone called me)\b"
)
NEW_PATIENT_ASKS = {"new_identity", "new_phone", "new_insurance"}
# Questions only a clinician may answer: the caller hears NO_ADVICE (or their question goes to staff).
ADVICE = re.compile(
    r"\b(?:should (?:i|my \w+|he|she|we) (?:take|be worried|worry|go to|stop|keep taking|give|get|use|see)"
    r"|can (?:i|my \w+|he|she|we) (?:take|give|double|stop|mix|drink|skip|eat|exercise)"
    r"|is it (?:ok|okay|safe|alright|all right|bad|normal|dangerous) (?:to|if|that)|what should i do (?:about|for|if)"
    r"|do you think (?:i|it|my)|what (?:dose|dosage)|how (?:often|many) (?:should|can) i"
    r"|how much (?:\w+ )?(?:can|should) i (?:take|give)|is it safe to|do i need (?:antibiotics|medicine|medication|stitches|to take)"
    r"|what (?:medicine|medication|should i take|can i take)|what (?:should|can) i (?:give|take|do for)"
    r"|is (?:this|it) (?:serious|normal|contagious))\b"
)
# Practice questions asked among other words ("is there a place to park? I can't walk far").
FAQ_WORDS = (
    (re.compile(r"\bpark(?:ing)?\b"), "faq_parking"),
    (re.compile(r"\b(?:your hours|are you open|open on|when do you (?:open|close))\b"), "faq_hours"),
    (re.compile(r"\b(?:insurance|do you (?:take|accept))\b"), "faq_insurance"),
    (re.compile(r"\b(?:address|located|directions|where are you)\b"), "faq_address"),
    (re.compile(r"\b(?:cost|price|fees?|self pay)\b"), "faq_fees"),
    (re.compile(r"\b(?:medical )?records\b|\bfax\b|\bwebsite\b"), "faq_other"),
)
MESSAGE_TASKS = {
    "message_running_late": "running_late",
    "message_refill": "refill",
    "message_callback": "callback",
    "message_other": "other",
}

HELP = "I can book, reschedule or cancel appointments, or answer questions about the practice. What would you like to do?"
NO_ADVICE = (
    "I'm not able to give medical advice. I can take a message for our nurse, book you an appointment "
    "with one of our providers, or transfer you to our staff. Which would you prefer?"
)


def asks_faq(text: str) -> bool:
    return any(pattern.search(text) for pattern, _ in FAQ_WORDS)


def switch_patient(state: ConversationState) -> None:
    """Forget the verified patient so that another (a family member) can be verified."""
    state.identity = "unknown"
    state.identify_attempts = 0
    state.patient_id = None
    state.patient_first_name = None
    state.appointments = []
    for key in ("name", "dob", "target"):
        state.slots.pop(key, None)


def introduced_first(text: str, relation: str, name: str | None) -> bool:
    """Did the caller say a name before mentioning the family member ("hi, it's Maria, my son
    needs…")? Then the name and date of birth said are the caller's, not the patient's ("I'm calling
    for my husband Robert Kowalski" names the patient)."""
    mention = re.search(rf"\bmy {re.escape(relation)}\b", text)
    said = text.find(name.split()[0]) if name else -1
    return bool(mention and 0 <= said < mention.start())


def other_topic(text: str) -> str:
    lowered = text.lower()
    if "fax" in lowered:
        return "fax"
    if "record" in lowered:
        return "records"
    if "cancel" in lowered:
        return "cancellation"
    if "website" in lowered or "web site" in lowered:
        return "website"
    return lowered[:60] or "unknown"
