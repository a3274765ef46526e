"""Is a red-flag mention about something happening to someone now? The ConText algorithm, for speech.

ConText (Harkema, Dowling, Thornblade & Chapman, J Biomed Inform 2009; the algorithm behind NegEx,
pyConTextNLP and medspaCy's ``context``) decides for each mention of a condition whether it is
negated, historical or hypothetical, from trigger phrases whose scope runs forwards or backwards
from the trigger until a termination word or the end of the sentence. Its published lexicons are
written for clinical notes ("denies", "no evidence of", "status post"); callers say "I'm not having
chest pain", "my last seizure was years ago", "what should I do if he chokes". So this module keeps
the algorithm and carries a conversational lexicon, with two safety-first changes:

* Negation reaches a mention only across filler words ("I am not having any chest pain"), never
  across a new subject ("no, I am having chest pain" is not negated).
* Every modifier is narrow: when unsure, the mention stays affirmed and the caller hears 911 advice.
  Yesterday, last night and "days ago" are not history (a recent event may still be an emergency);
  only weeks, months or years ago are.

The experiencer (ConText's "other" vs "patient") is deliberately ignored: "my husband is having
chest pain" is an emergency; "my dad had a stroke in 2019" is excluded by its history, not by who.
medspaCy was considered and not used: it brings spaCy and a clinical lexicon that would need
replacing anyway; the algorithm itself is a few dozen lines.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Literal

Direction = Literal["forward", "backward", "both"]

# Words that may stand between a negation and what it negates ("not having ANY chest pain").
FILLER = frozenset(
    re.findall(
        r"\w+",
        """
    a an the any real really much more major serious significant other new actual obvious sign signs
    of having have has had been being feeling feel felt experiencing experienced getting got get
    noticed notice complaining complained suffering from with is are was were am do does did
    thoughts thought thinking urges urge plans plan intention intentions ideas idea about symptom
    symptoms kind sort type history episodes episode further recent recently bad severe
""",
    )
)
# Symptom words and list joiners, so a negation runs through a list: "no chest pain or shortness of breath".
# A pronoun still ends it: "no fever and my chest hurts" keeps the chest pain.
FILLER |= frozenset(
    re.findall(
        r"\w+",
        """
    or nor and chest pain pains pressure fever cough headache dizziness nausea vomiting shortness
    breath bleeding swelling rash trouble breathing numbness weakness tightness
""",
    )
)

# Pseudo-triggers: look like negation but are not ("not sure if", "no one can wake him").
PSEUDO_NEGATION = re.compile(
    r"\b(?:not sure|not certain|no idea|not know|not knowing|not only|not just|no doubt|not kidding|"
    r"not joking|not going to lie|no one|nobody|not stop|not stopping|not tell|not think|no matter|"
    r"not wait|not able|not breathing|not responding|not responsive|not waking|not wake|"
    r"not moving|not making sense|not feeding|not kicking|not fading|not fade|not helping|not working)\b"
)
NEGATION_BEFORE = re.compile(
    r"\b(?:no|not|never|without|denies|denied|deny|negative for|free of|ruled out|none|nor|neither)\b"
)
NEGATION_AFTER = re.compile(
    r"\b(?:free|(?:was |were |has been |been )?ruled out|well controlled|under control|in remission)\b"
)
# "I've never had chest pain like this": the negation is a comparison, the pain is now.
NEGATION_CANCEL_AFTER = re.compile(
    r"^(?:\w+ ){0,2}?(?:like this|like that|this bad|this severe|this strong|before now|until now|until today|until this)\b"
)

_NUM = r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|few|a few|couple|a couple of|couple of|many|several|some)"
HISTORY = re.compile(
    r"(?<!since )(?<!for the )(?<!over the )(?<!in the )(?<!during the )(?<!all )"
    r"\b(?:last|past|previous) (?:week|weeks|month|months|year|years|summer|winter|spring|fall|autumn|christmas|decade)\b"
    rf"|\b{_NUM} (?:weeks?|months?|years?|decades?) (?:ago|back|before)\b"
    r"|\b(?:long time|while|ages|years|months|decades) ago\b|\byears back\b"
    r"|\bin (?:19|20)\d\d\b|\bback in\b|\bin the past\b|\bpreviously\b|\bprior\b|\bonce before\b|\bhad (?:one|it|that) once\b"
    r"|\bwhen (?:i|he|she|they|we) (?:was|were) (?:a |younger|little|small|\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|pregnant|in|at|born|growing|young)"
    r"|\bin (?:my|his|her|their) (?:teens|twenties|thirties|forties|fifties|sixties|seventies|eighties|youth)\b"
    r"|\bas a (?:kid|child|baby|teenager|teen|young)\b|\bat (?:age|the age of) \d+\b"
    r"|\bin (?:high school|college|my twenties|my thirties|my teens|the army)\b"
    r"|\bused to\b|\bhistory of\b|\bfamily history\b|\bruns? in (?:my|the|our|his|her) family\b"
    r"|\b(?:my|his|her|their) (?:last|previous|prior)\b"
    r"|\b(?:recovered|recovering|recovery|recuperating) from\b|\bsurviv(?:ed|or)\b"
    r"|\b(?:after|since|following|from|before|because of) (?:my|his|her|their|the) (?=(?:\w+ )?(?:stroke|heart attack|seizure|seizures|overdose|concussion|miscarriage|allergic reaction|attempt|episode|collapse|accident|fall|cardiac arrest|surgery|procedure|head injury|burn|burns)\b)"
    r"|\b(?:died|passed away) (?:of|from|after|because|in|when|last|years|from)\b|\bwas diagnosed\b|\bbeen diagnosed\b"
    r"|\b(?:under control|well controlled|in remission)\b"
    # habits are not events: "she gets short of breath on the stairs"
    r"|\b(?:gets|sometimes|usually|often|occasionally|every time|whenever|when (?:i|he|she|they|we) (?:climb|walk|exercise|run|work out|go up))\b"
    r"|\bwhen (?:i|he|she|they|we) (?:have|has|get|gets|got|catch|catches) (?:a |the )?(?:cold|colds|flu|cough|virus|bug|allergies|hay fever)\b"
    r"|\b(?:i|we|you) get\b|\bwhen (?:i|he|she) (?:am|is|get|gets|feel|feels) (?:anxious|stressed|nervous|upset|tired|worked up)\b"
    r"|\b(?:had|have had|has had) (?:\w+ ){1,4}before\b"
    r"|\bno one in (?:my|our|the|his|her) family\b|\bnobody in (?:my|our|the|his|her) family\b"
    r"|\bfor (?:many |several |a few |\d+ |two |three |five |ten )?(?:years|months|decades|a long time|ages)\b"
    r"|\bturned out (?:to be|it was)\b|\b(?:they|the doctor|the er|urgent care) said it was\b|\bit was (?:just|only|nothing)\b"
)
RECURRENCE = re.compile(
    r"\b(?:it is|it has|its|they are|he is|she is|i am|it) (?:back|come back|coming back|came back|returned|happening again|starting again|started again)\b"
    r"|\b(?:again|another one|having one|one now|right now|happening now|getting worse|worse than (?:before|ever|usual|last time)"
    r"|even (?:at rest|when resting|while resting|sitting still|sitting down|lying down)|never (?:this|that|been this) bad|like this|this bad|this severe|this (?:time )?(?:is|feels) (?:worse|different|bad|the worst))\b"
)
# Hypotheticals whose scope a present tense does not end: "how would I know if I'm having a stroke".
HYPOTHETICAL_STRONG = re.compile(
    r"\bhow (?:would|could|will) (?:i|you|we|they|one) (?:know|tell|recogni[sz]e)\b"
    r"|\bwhat are (?:the )?(?:warning |common |early )?(?:signs|symptoms)\b|\bwhat would happen if\b"
    r"|\b(?:just )?in case\b|\bif (?:i|he|she|they|we|you|my \w+|someone|somebody|anyone|it|this) (?:ever|should|were to)\b"
    r"|\bin the future\b|\bhypothetical(?:ly)?\b|\bsuppos(?:e|ing)\b"
    r"|\b(?:do not want to|does not want to|afraid to|scared to|so i do not|to avoid|never want to) (?:die|have|get|end up|suffer)\b"
    r"|(?<!showing )(?<!having )(?<!has )(?<!have )\bwarning signs\b|\b(?:read|reading|learn|learning|heard) about\b"
)
HYPOTHETICAL = re.compile(
    r"\bwhat (?:if|happens if|happens when|would happen if|should (?:i|we|you) do (?:if|when)|do (?:i|we|you) do (?:if|when))\b"
    r"|\bshould (?:i|we) (?:worry|be worried|be concerned|call|go|come in|go in)(?: \w+){0,4} (?:if|when)\b"
    r"|\bwhen (?:should|do|would) (?:i|we|you|someone)\b"
    r"|\b(?:just )?in case\b|\bif (?:i|he|she|they|we|you|my \w+|someone|somebody|anyone|it|this) (?:ever|should|were to)\b"
    r"|\bhow (?:do|would|can|will|could|should) (?:i|you|we|they|one) (?:know|tell|recogni[sz]e|spot|prevent|avoid|lower|reduce)\b"
    r"|\bwhat are (?:the )?(?:warning |common |early )?(?:signs|symptoms)\b"
    r"|\bis it (?:an emergency|serious|bad|dangerous|normal) (?:if|when)\b"
    r"|\b(?:afraid|scared|worried|nervous|anxious|terrified|fear|fears|worry) (?:of|about) (?:getting|having|another|being|ever)\b"
    r"|\b(?:risk|risks|chance|chances|odds) (?:of|for)\b|\b(?:prevent|preventing|prevention|avoid|avoiding)\b"
    r"|\bin the future\b|\bsuppos(?:e|ing)\b|\bhypothetical(?:ly)?\b|\bfor example\b"
    r"|\b(?:can|could|does|do|will|would|might|may) (?:\w+ ){0,4}(?:cause|causes|lead to|trigger)\b"
    r"|^(?:(?:and|so|but|um|uh|like|well|okay|ok|also|now|just) )*(?:if|unless)\b"
)
# Nouns that turn a mention into a topic: "seizure medication", "stroke clinic", "heart attack risk".
TOPIC_AFTER = re.compile(
    r"\b(?:medication|medications|medicine|medicines|meds|pills|prescription|prescriptions|refill|refills|"
    r"doctor|doctors|specialist|neurologist|cardiologist|clinic|center|centre|unit|ward|test|tests|testing|"
    r"results|screening|risk|risks|prevention|appointment|appointments|follow up|followup|checkup|check up|"
    r"class|classes|program|programme|support group|plan|kit|awareness|insurance|bill|form|forms|paperwork|"
    r"records|report|scan|x ray|xray|monitor|care|rehab|rehabilitation|therapy|recovery|survivor|survivors|"
    r"history|precautions|protocol|training|workup|work up|cream|ointment|pen|pens|prevention|discharge|papers|summary|notes|letter|referral|disorder|condition|diagnosis|survey|questionnaire)\b"
)
# Where a strong hypothetical's scope ends: a contrast or an explicit now.
STRONG_TERMINATION = re.compile(
    r"\b(?:but|however|although|though|yet|except|now|currently|right now|at the moment|again)\b"
)
# Where a trigger's scope ends: a change of subject, a contrast, or a present-tense marker.
TERMINATION = re.compile(
    r"\b(?:but|however|although|though|yet|except|now|currently|still|right now|again|is|am|are|today|"
    r"tonight|this morning|this afternoon|this evening|at the moment|keeps|started|starting|happening|so)\b"
)

NEGATION_WINDOW = 8
PRESENT_BEFORE = frozenset({"is", "am", "are", "still", "now", "currently"})
CONTEXT_WINDOW = 8


@dataclass(frozen=True)
class Modifiers:
    negated: bool = False
    historical: bool = False
    hypothetical: bool = False
    topic: bool = False

    @property
    def affirmed(self) -> bool:
        """A mention that is about a present event: the only kind that raises the alarm."""
        return not (self.negated or self.historical or self.hypothetical or self.topic)


@dataclass
class Utterance:
    """One normalised utterance with its clause boundaries and every trigger found in it once."""

    text: str
    boundaries: frozenset[int]  # word indices where a new clause begins
    starts: list[int] = field(init=False)
    _triggers: dict[str, list[tuple[int, int]]] = field(init=False)
    _term: set[int] = field(init=False)
    recurrence: bool = field(init=False)

    def __post_init__(self) -> None:
        self.starts = [m.start() for m in re.finditer(r"\S+", self.text)]
        pseudo = {self._word(m.start()) for m in PSEUDO_NEGATION.finditer(self.text)}
        self._triggers = {
            "neg_before": [s for s in self._spans(NEGATION_BEFORE) if s[0] not in pseudo],
            "neg_after": self._spans(NEGATION_AFTER),
            "history": self._spans(HISTORY),
            "hypothetical": self._clause_spans(HYPOTHETICAL),
            "strong_hypothetical": self._spans(HYPOTHETICAL_STRONG),
            "topic": self._spans(TOPIC_AFTER),
        }
        self._term = {i for a, b in self._spans(TERMINATION) for i in range(a, b)}
        self._strong_term = {i for a, b in self._spans(STRONG_TERMINATION) for i in range(a, b)}
        self.recurrence = RECURRENCE.search(self.text) is not None

    def modifiers(self, start: int, end: int, *, topics: bool = True) -> Modifiers:
        """The context of the mention at character span [start, end)."""
        ms, me = self._word(start), self._word(max(start, end - 1)) + 1
        words = self.text.split()
        negated = any(
            0 <= ms - te <= NEGATION_WINDOW
            and all(w in FILLER for w in words[te:ms])
            and not self._crosses(te, ms)
            for _, te in self._triggers["neg_before"]
            if te <= ms
        ) or any(
            0 <= ts - me <= 2 and all(w in FILLER for w in words[me:ts]) and not self._crosses(me, ts)
            for ts, _ in self._triggers["neg_after"]
            if ts >= me
        )
        # "she IS bleeding heavily after giving birth last week": the history belongs to the birth.
        present = ms > 0 and words[ms - 1] in PRESENT_BEFORE
        historical = (
            not self.recurrence
            and not present
            and any(
                self._in_scope(span, ms, me, "both", CONTEXT_WINDOW) for span in self._triggers["history"]
            )
        )
        hypothetical = any(
            self._in_scope(span, ms, me, "forward", 12) for span in self._triggers["hypothetical"]
        ) or any(
            self._in_scope(span, ms, me, "forward", 12, strong=True)
            for span in self._triggers["strong_hypothetical"]
        )
        if negated and NEGATION_CANCEL_AFTER.search(" ".join(words[me:])):
            negated = False
        topic = topics and any(ts == me for ts, _ in self._triggers["topic"])
        return Modifiers(negated, historical, hypothetical, topic)

    def _in_scope(
        self,
        span: tuple[int, int],
        ms: int,
        me: int,
        direction: Direction,
        window: int,
        *,
        strong: bool = False,
    ) -> bool:
        ts, te = span
        term = self._strong_term if strong else self._term
        if ts <= ms < te or ts < me <= te or ms <= ts < me:
            return True  # trigger and mention overlap ("my last seizure", "stung last summer and swelled")
        forward = direction in ("forward", "both") and te <= ms <= te + window
        if forward and not self._crosses(te, ms) and not (term & set(range(te, ms))):
            return True
        backward = direction in ("backward", "both") and me <= ts <= me + window
        return backward and not self._crosses(me, ts) and not (term & set(range(me, ts)))

    def _crosses(self, a: int, b: int) -> bool:
        """True when a clause begins anywhere from word a to word b (the scope would leave its clause)."""
        return any(a <= i <= b for i in self.boundaries)

    def _word(self, char: int) -> int:
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= char:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def _spans(self, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
        return [
            (self._word(m.start()), self._word(m.end() - 1) + 1)
            for m in pattern.finditer(self.text)
            if m.end() > m.start()
        ]

    def _clause_spans(self, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
        """Like ``_spans`` but each clause searched alone, so ``^if`` means the start of a clause."""
        out: list[tuple[int, int]] = []
        words = self.text.split()
        cuts = sorted({0, *self.boundaries, len(words)})
        for a, b in itertools.pairwise(cuts):
            clause = " ".join(words[a:b])
            offsets = [m.start() for m in re.finditer(r"\S+", clause)]
            for m in pattern.finditer(clause):
                if m.end() > m.start():
                    first = sum(1 for o in offsets if o <= m.start()) - 1
                    last = sum(1 for o in offsets if o <= m.end() - 1)
                    out.append((a + first, a + last))
        return out
