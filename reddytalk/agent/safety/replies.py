"""What the receptionist says when a safety check fires: fixed words, no model involved."""

from __future__ import annotations

from reddytalk.agent.safety.acuity import CATEGORY as POSSIBLE_EMERGENCY
from reddytalk.agent.safety.detector import EmergencyHit

EMERGENCY_REPLY = (
    "This sounds like a medical emergency. Please hang up and call 911 right now, "
    "or go to the nearest emergency room. I'm alerting our staff as well."
)
# The second tier (structure, not a catalogue phrase) is less certain: the caller decides, staff join now.
POSSIBLE_EMERGENCY_REPLY = (
    "That sounds like it could be serious. If this is an emergency, please hang up and call 911 "
    "right now, or go to the nearest emergency room. I'm putting you through to our staff now."
)
CRISIS_LINE = " You can also call or text 988, the Suicide and Crisis Lifeline, any time."
POISON_LINE = " Poison Control is also available at 1-800-222-1222."

ADVICE_REPLY = (
    "I'm not able to give medical advice, but our care team can help: I can take a message so one of "
    "our nurses calls you back, or book you a visit with one of our providers. Which would you like? "
    "If this feels like an emergency, please hang up and call 911."
)
# ConversationState.awaiting after ADVICE_REPLY: the caller's next words answer the offer above.
# The same marker the local brain sets after its own no-advice reply, so its message flow picks up
# "take a message" on the next turn (see docs/agent.md).
ADVICE_OFFERED = "advice_options"


def emergency_reply(hit: EmergencyHit) -> str:
    """911 or the nearest emergency room always ("if this is an emergency" for a second-tier hit);
    988 for suicidal thoughts; Poison Control for poisoning."""
    if hit.category == POSSIBLE_EMERGENCY:
        return POSSIBLE_EMERGENCY_REPLY
    reply = EMERGENCY_REPLY
    if "suicidal" in hit.categories:
        reply += CRISIS_LINE
    if "overdose" in hit.categories:
        reply += POISON_LINE
    return reply
