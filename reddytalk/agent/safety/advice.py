"""Recognise a request for medical advice, so no brain ever answers one.

A receptionist (human or not) must not dose, diagnose or triage: "how much Tylenol can I give
him", "should I stop my lisinopril", "is it normal that my rash is spreading", "what should I do
about this cough". The check runs before every brain; the reply (``replies.ADVICE_REPLY``) offers
a nurse call-back message or a visit instead. It only fires when the question is about a medicine
or a symptom, so scheduling questions that share the grammar ("should I take the 3 pm slot", "is it
normal to wait a week for a referral", "how much is a flu shot") pass through to the brain.
"""

from __future__ import annotations

import re

from reddytalk.agent.safety.text import normalise

MEDICINE = (
    r"(?:medicine|medicines|medication|medications|meds|pill|pills|tablet|tablets|capsules?|dose|doses|dosage|"
    r"mg|milligrams|ml|antibiotics?|tylenol|acetaminophen|paracetamol|ibuprofen|advil|motrin|aspirin|aleve|"
    r"naproxen|benadryl|claritin|zyrtec|allegra|sudafed|mucinex|nyquil|dayquil|robitussin|pepto|imodium|tums|"
    r"prilosec|omeprazole|metformin|insulin|lisinopril|amlodipine|atorvastatin|lipitor|statins?|warfarin|"
    r"eliquis|xarelto|prednisone|steroids?|amoxicillin|penicillin|azithromycin|z ?pack|cipro|doxycycline|"
    r"keflex|cephalexin|gabapentin|oxycodone|hydrocodone|tramadol|xanax|zoloft|sertraline|prozac|fluoxetine|"
    r"lexapro|ambien|melatonin|vitamins?|supplements?|birth control|inhaler|cream|ointment|eye drops|"
    r"ear drops|cough syrup|antihistamines?|decongestants?|painkillers?|pain killers?|blood thinners?|"
    r"\w+cillin|\w+mycin|\w+pril|\w+olol|\w+statin|\w+prazole|\w+sartan|\w+azepam|\w+oxetine|\w+profen)"
)
SYMPTOM = (
    r"(?:pain|pains|ache|aches|aching|hurts?|hurting|sore|soreness|fever|temperature|rash|hives|itch|itchy|"
    r"itching|cough|coughing|cold|flu|sneezing|congest\w*|runny nose|headaches?|migraines?|dizzy|dizziness|"
    r"nausea|nauseous|vomit\w*|throwing up|diarrh\w*|constipat\w*|swelling|swollen|bruis\w*|lump|bump|spots?|"
    r"mole|bleeding|discharge|infection|infected|burning|numb\w*|tingling|cramps?|cramping|period|spotting|"
    r"blood pressure|blood sugar|sugar|glucose|side effects?|reaction|allerg\w*|symptoms?|wound|cut|burn|"
    r"bite|sting|stitches|earache|ear|ears|eye|eyes|throat|stomach|tummy|belly|knee|ankle|wrist|"
    r"shoulder|neck|tooth|toothache|insomnia|anxiety|depress\w*|weight|pregnan\w*|urine|pee|peeing|stool|"
    r"sinus\w*|strep|covid|virus|bronchitis|pneumonia|asthma|eczema|acne|wart|cyst|blister|sunburn|"
    r"tired|fatigue|exhausted|cholesterol|thyroid|sprain\w*|fracture|broken|sunburn|pink eye|migraines?|"
    r"cold sore|pinkeye|lice|ringworm|mono|uti|yeast|gout|arthritis|sore throat)"
)
_TOPIC = re.compile(rf"\b(?:{MEDICINE}|{SYMPTOM})\b")

# Requests that are advice whatever they are about.
STRONG = tuple(
    re.compile(p)
    for p in (
        r"\bshould (?:i|we|he|she|my \w+) (?:go|come|take (?:him|her|them)) (?:in )?to (?:the )?(?:er|emergency room|hospital|urgent care|walk in)\b",
        r"\b(?:do|does) (?:you think )?(?:i|he|she|we|my \w+) (?:need|have to get) (?:antibiotics|stitches|an x ray|a tetanus shot|a tetanus)\b",
        r"\bwhat (?:should|do|can|would) (?:i|we) do\b",
        r"\bwhat (?:is|s) (?:good|best|safe) for\b|\bwhat (?:helps|works) (?:with|for)\b|\bwhat (?:would|do) you (?:take|use|give) for\b",
        r"\bdo you think (?:it|this|that) (?:is|could|might|s|will)\b|\bdo you think (?:i|he|she|we|my \w+) (?:need|needs|should|have|has)\b",
        r"\bwhat does (?:that|this|it) mean\b",
        r"\bhow long (?:should|does|will|do|can) (?:a |the |my |this |it |his |her )?(?:\w+ ){0,2}(?:last|take to heal|go away|be contagious|stay home)\b",
        r"\bis (?:a|an|the|my|his|her|this|that|their) (?:\w+ ){0,5}(?:bad|dangerous|serious|normal|too high|too low|high|low|contagious) (?:for|in|with|if|at|when)\b",
        r"\bshould (?:i|he|she|my \w+|we) (?:stay home|go to school|go to work|go to daycare|go back to (?:school|work)|keep (?:him|her|them) home)\b",
    )
)
# Requests that are advice when they are about a medicine or a symptom.
REQUESTS = tuple(
    re.compile(p)
    for p in (
        # dosing
        r"\bhow (?:much|many) (?:\w+ ){0,4}(?:can|should|do|to|may|is safe to|is it safe to) (?:\w+ ){0,2}(?:take|give|have|use)\b",
        r"\b(?:what|which|right|correct|safe|maximum|max) (?:is the )?(?:dose|dosage|amount)\b|\bhow often (?:\w+ ){0,3}(?:take|give|use)\b|\b\d+ (?:mg|milligrams)\b",
        # should / can I take, give, stop, mix a medicine
        rf"\b(?:should|can|could|may|do|must|would it be ok to|is it ok to|is it okay to|is it safe to|is it bad to|ok to|okay to|safe to) (?:i |we |he |she |they |you |my \w+ )?(?:take|give|use|stop|start|mix|combine|double|skip|keep taking|stop taking|try|drink|drink alcohol|eat|put) (?:\w+ ){{0,4}}{MEDICINE}\b",
        rf"\b(?:take|give|taking|giving|mix|mixing) (?:\w+ ){{0,2}}{MEDICINE} (?:with|and|while|for|if|together|on top)\b",
        rf"\b{MEDICINE} (?:\w+ ){{0,3}}(?:interact|interaction|interactions|together|safe|okay|ok|side effects?|make me|making me|causing|cause)\b",
        r"\b(?:side effects?|interactions?) (?:of|from|with) \w+",
        # is it normal / serious / contagious
        r"\b(?:is|are|could) (?:it|this|that|these|those|they) (?:\w+ ){0,1}(?:normal|safe|serious|dangerous|contagious|infected|broken|cancer|something serious|something to worry about|a problem|concerning|worrying|an infection|strep|covid|the flu|allergies)\b",
        r"\bis it (?:normal|bad|okay|ok|safe) (?:to|that|for|if) (?!(?:come|book|reschedule|cancel|move|call|wait|bring|park|pay|arrive|switch|see)\b)",
        # what should I do about / how do I treat
        rf"\bwhat (?:should|can|do|could|would) (?:i|we|you) (?:do|take|give|use|put|try) (?:about|for|with|on|to help|to stop|to treat|to get rid of) (?:\w+ ){{0,4}}{SYMPTOM}\b",
        r"\bhow (?:do|should|can|could) (?:i|we|you) (?:treat|get rid of|cure|heal|manage|relieve|ease|bring down|lower|soothe|stop the|stop my|stop his|stop her|help (?:with )?(?:my|his|her|the))\b",
        r"\bwhat (?:can|should) (?:i|we) (?:take|give|use) for\b",
        # triage and diagnosis questions
        r"\b(?:do|does|should) (?:i|he|she|we|my \w+) (?:need|have to) (?:antibiotics|stitches|an x ray|a tetanus|to go to the (?:er|hospital|emergency room|urgent care)|to see (?:a|the) doctor|to worry|to be worried)\b",
        r"\bshould (?:i|we) (?:be worried|worry|be concerned)\b",
        rf"\b(?:what|why) (?:is|could be|might be|would be) (?:causing|cause of|the cause of|wrong with) \w+|\bwhy (?:do|does|am|is|are) (?:i|he|she|my \w+|it) (?:\w+ ){{0,5}}{SYMPTOM}\b",
        r"\b(?:could|can|might) (?:it|this|that) be (?:cancer|an infection|infected|covid|strep|the flu|a virus|pneumonia|something serious|serious|broken|a fracture|appendicitis)\b",
        r"\bwhat do you (?:think|recommend|suggest) (?:it is|i should|for|about)\b",
        r"\b(?:can|should) (?:i|he|she|we|my \w+) (?:eat|drink|exercise|work out|shower|swim|fly|go to school|go to work|go back to work|breastfeed|drive) (?:with|after|while|on|if)\b",
    )
)


def is_advice_request(text: str) -> bool:
    """True when the caller asks for dosing, a diagnosis, or whether or how to treat a symptom."""
    norm = normalise(text)
    if any(p.search(norm) for p in STRONG):
        return True
    if not any(p.search(norm) for p in REQUESTS):
        return False
    return _TOPIC.search(norm) is not None
