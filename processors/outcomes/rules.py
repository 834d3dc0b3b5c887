"""Classifying a recruiter's reply by rules: a documented table of phrases, English and German.

Each rule is (kind, language, strength, pattern). A reply's text is first cut to what its writer wrote (quoted
lines and everything under "On ... wrote:", "Am ... schrieb", "-----Original Message-----" dropped: the quoted
application would otherwise speak for the employer), folded to lower case with accents kept, then every rule is
tried. The verdict:

- first, **scope**: a cue for an offer, interview or screening call counts only where it is not negated and not
  referred back to. Negated: a negation ("not", "n't", "no", "unable to", "nicht", "kein") among the
  `SCOPE_WORDS` words before the cue in its clause or inside the cue, not after a condition ("if you are not
  available for the interview"), not a politeness ("don't hesitate"); German also a "nicht" up to four words
  after ("ein Angebot können wir leider nicht machen"). A negated offer or interview cue is **strong rejection
  evidence** ("we will not be extending an offer", "nicht ... Angebot"), never offer or interview evidence.
  Referred back to: the cue follows "thank you for (the)", "after our", "danke für das", "nach dem" in its
  clause (the call that was held is not the one proposed);
- then a kind with a **strong** phrase wins; when several kinds have one, the first in `PRIORITY` wins, so
  rejection evidence outranks offer and interview evidence in the same mail (a rejection names the interview it
  will not hold; an offer mail names the interviews before it; a screening call is often announced with the
  interviews after it), with a lower confidence;
- an acknowledgement alone (strong) is ACKNOWLEDGED, unless a **weak** cue of another kind is there too ("thank
  you for applying ... unfortunately"): then that kind, unsure;
- weak cues alone: the kind with the most, unsure; nothing: OTHER, unsure.

"Unsure" (confidence below `SURE`) is when the AI gateway is asked, if a provider is configured
(`processors.outcomes.ports`); otherwise the rules' answer stands. Only the kinds in `MAIL_KINDS` can come out of
a mail, whatever it says: ACCEPTED and WITHDRAWN are the user's to report, NO_RESPONSE the timer's.

Phrases were written from public examples of rejection, screening, interview, offer and receipt mails (recruiting
blogs' templates, ATS default templates) and tuned on the tuning part of `evaluation/replies_corpus.jsonl`
only; `resumeflow eval replies` reports both parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from streams.messages import ResponseKind

Strength = Literal["strong", "weak"]
SURE = 0.6
MAIL_KINDS: frozenset[ResponseKind] = frozenset({
    ResponseKind.ACKNOWLEDGED, ResponseKind.REJECTED, ResponseKind.SCREEN, ResponseKind.INTERVIEW,
    ResponseKind.OFFER, ResponseKind.OTHER,
})
PRIORITY: tuple[ResponseKind, ...] = (ResponseKind.REJECTED, ResponseKind.OFFER, ResponseKind.SCREEN,
                                      ResponseKind.INTERVIEW, ResponseKind.ACKNOWLEDGED)
MAX_TEXT = 6000  # characters of a reply read: the decision is in its first paragraphs


@dataclass(frozen=True, slots=True)
class Rule:
    kind: ResponseKind
    language: Literal["en", "de"]
    strength: Strength
    pattern: re.Pattern[str]


def _rule(kind: ResponseKind, language: Literal["en", "de"], strength: Strength, pattern: str) -> Rule:
    return Rule(kind, language, strength, re.compile(pattern, re.IGNORECASE))


R, OF, S, INT, A = (ResponseKind.REJECTED, ResponseKind.OFFER, ResponseKind.SCREEN, ResponseKind.INTERVIEW,
                   ResponseKind.ACKNOWLEDGED)
_W = r"(?:[\w'’-]+\s+)"  # one word and its space, for "up to n words between"

RULES: tuple[Rule, ...] = (
    # --- rejection ------------------------------------------------------------------------------------------
    _rule(R, "en", "strong", rf"\b(?:decided|chosen|elected|opted)\s+(?:not\s+to|to\s+not)\s+{_W}{{0,2}}"
                             r"(?:move|moving|proceed|progress|pursue|advance|continue|take)"),
    _rule(R, "en", "strong", rf"\b(?:move|moving|go|going|proceed|proceeding)\s+forward\s+with\s+{_W}{{0,3}}"
                             r"(?:other|another|different|a\s+different)\s+(?:candidate|applicant|profile)"),
    _rule(R, "en", "strong", r"(?:\bnot|n't|\bno\s+longer)\s+(?:be\s+)?(?:moving|going|taking\s+"
                             r"(?:it|your\s+application))\s+(?:forward|further|any\s+further|ahead)"),
    _rule(R, "en", "strong", r"\b(?:will|would|are)\s+not\s+be\s+(?:moving|proceeding|progressing|advancing|"
                             r"pursuing|taking|continuing)"),
    _rule(R, "en", "strong", r"\b(?:won't|will\s+not|cannot|can't|can\s+not|unable\s+to)\s+(?:be\s+)?"
                             r"(?:offer(?:ing)?\s+you|mov(?:e|ing)\s+forward|proceed|progress|invite\s+you)"),
    _rule(R, "en", "strong", r"\b(?:not|no\s+longer)\s+(?:able|in\s+a\s+position)\s+to\s+(?:offer|move|proceed|"
                             r"progress|invite|consider)"),
    # "the position of Machine Learning Engineer has now been filled": the role's name may stand between
    _rule(R, "en", "strong", r"\b(?:position|role|vacancy|job|opening|requisition)\b[^.!?;]{0,80}?\b(?:has|have)\s+"
                             r"(?:now\s+|already\s+)?been\s+(?:filled|closed)"),
    _rule(R, "en", "strong", r"\b(?:application|candidacy|profile)\s+(?:was|has\s+been|is)\s+(?:not\s+"
                             r"(?:been\s+)?(?:successful|selected|shortlisted)|unsuccessful)"),
    _rule(R, "en", "strong", r"\bnot\s+(?:been\s+)?(?:selected|shortlisted|chosen)\s+(?:for|to)\b"),
    _rule(R, "en", "strong", r"\bregret\s+to\s+(?:inform|let\s+you\s+know|tell)"),
    # others are preferred: "candidates whose experience is a closer match", "applicants whose qualifications
    # better meet", "progress with candidates who ..."
    _rule(R, "en", "strong", rf"\b(?:candidates?|applicants?|others?|profiles?)\s+(?:whose|who|with)\s+{_W}{{0,5}}"
                             r"(?:a\s+)?(?:more\s+closely|closer|better|more\s+directly|stronger|more\s+relevant)\s+"
                             r"(?:match|matches|matched|align|aligns|fit|fits|suit|meet|meets|experience|background)"),
    _rule(R, "en", "strong", r"\b(?:progress|proceed|move\s+forward|go\s+ahead|continue|move\s+ahead)\s+with\s+"
                             r"(?:other\s+|the\s+)?(?:candidates|applicants|profiles)\s+(?:whose|who|that)"),
    _rule(R, "en", "strong", r"\b(?:pursue|go\s+with|went\s+with|gone\s+with|proceed\s+with|move\s+ahead\s+with|"
                             r"moving\s+ahead\s+with)\s+(?:other|another|a\s+different|an\s+internal)\s+"
                             r"(?:candidates?|applicants?|profiles?|person)"),
    _rule(R, "en", "strong", r"\bdecided\s+to\s+(?:pursue|go\s+with|proceed\s+with|move\s+ahead\s+with)\s+"
                             r"(?:other|another|a\s+different)"),
    _rule(R, "en", "strong", r"\b(?:go|going|gone|went)\s+(?:in\s+)?(?:a\s+)?(?:different|another|other)\s+direction"),
    _rule(R, "en", "strong", r"\bnot\s+(?:quite\s+)?(?:the|a)\s+(?:right\s+|good\s+|strong\s+|close\s+|great\s+)?"
                             r"(?:fit|match)\b"),
    _rule(R, "en", "strong", r"n't\s+(?:\w+\s+){0,3}?(?:the|a)\s+(?:right|good|strong|great)\s+(?:fit|match)\b"),
    _rule(R, "en", "strong", r"\bno\s+(?:job\s+)?offer\b"),
    _rule(R, "en", "strong", r"\b(?:keep|retain)\s+your\s+(?:details|cv|resume|profile|information)\s+on\s+"
                             r"(?:file|record)"),
    _rule(R, "en", "weak", r"\bunfortunately\b"),
    _rule(R, "en", "weak", r"\b(?:sorry|sad)\s+to\s+(?:share|say|tell|inform|let\s+you\s+know)"),
    _rule(R, "en", "weak", r"\b(?:after\s+careful\s+(?:consideration|review)|difficult\s+decision)"),
    _rule(R, "en", "weak", r"\bwish\s+you\s+(?:all\s+the\s+best|the\s+best|every\s+success|success|luck|well)"),
    _rule(R, "en", "weak", r"\b(?:future\s+(?:openings|opportunities|roles|positions))"),
    _rule(R, "de", "strong", r"\b(?:leider|bedauerlicherweise)\b.{0,160}?\b(?:nicht\s+(?:weiter\s+)?"
                             r"berücksichtig|absage|nicht\s+in\s+die\s+engere|keine\s+(?:positive|zusage)|"
                             r"nicht\s+(?:weiter\s+)?(?:verfolgen|fortsetzen|anbieten)|anders\s+entschieden|"
                             r"für\s+(?:eine|einen)\s+ander)"),
    _rule(R, "de", "strong", r"\b(?:für|zugunsten)\s+(?:eine[nr]?|andere)\s+(?:andere[nr]?\s+)?"
                             r"(?:kandidat|bewerber)"),
    _rule(R, "de", "strong", r"\bnicht\s+(?:weiter\s+|mehr\s+)?berücksichtigen"),
    _rule(R, "de", "strong", r"\b(?:absage|absagen|eine\s+absage\s+erteilen)\b"),
    _rule(R, "de", "strong", r"\bnicht\s+in\s+die\s+engere\s+(?:auswahl|wahl)"),
    _rule(R, "de", "strong", r"\b(?:stelle|position|vakanz)\s+(?:wurde|ist|konnte)\s+(?:bereits\s+|inzwischen\s+)?"
                             r"(?:anderweitig\s+)?(?:besetzt|vergeben)"),
    _rule(R, "de", "strong", r"\b(?:keine|nicht\s+die)\s+(?:positive|erfreuliche)\s+(?:rückmeldung|nachricht|"
                             r"antwort)"),
    _rule(R, "de", "strong", r"\bbedauern\b.{0,80}?\bmitteilen"),
    # a negated offer in German: "kein Angebot machen", "die Stelle nicht anbieten"
    _rule(R, "de", "strong", r"\b(?:kein(?:e|en)?|nicht)\s+(?:\w+\s+){0,3}?(?:stellen|vertrags|arbeits)?"
                             r"(?:angebot|zusage)\b"),
    _rule(R, "de", "strong", r"\bnicht\s+(?:\w+\s+){0,2}?(?:anbieten|unterbreiten)\b"),
    _rule(R, "de", "weak", r"\bleider\b"),
    _rule(R, "de", "weak", r"\b(?:wünschen|wünsche)\s+(?:ihnen|dir)\s+(?:für\s+(?:ihren|ihre|deinen|deine)\s+"
                           r"(?:weiteren?\s+)?(?:beruflichen?\s+)?(?:weg|zukunft|suche)\s+)?(?:viel\s+erfolg|alles\s+gute)"),
    # --- offer ----------------------------------------------------------------------------------------------
    _rule(OF, "en", "strong", rf"\b(?:pleased|delighted|happy|thrilled|excited|glad)\s+to\s+(?:extend|offer|make)\s+"
                             rf"(?:you\s+)?{_W}{{0,3}}(?:offer|position|role|job)"),
    _rule(OF, "en", "strong", r"\b(?:offer\s+letter|letter\s+of\s+offer|offer\s+of\s+employment|employment\s+offer|"
                             r"job\s+offer|(?:formal|written|verbal)\s+offer|offer\s+package)\b"),
    _rule(OF, "en", "strong", r"\bextend(?:ing)?\s+(?:you\s+)?(?:an|a\s+formal|our)\s+offer"),
    _rule(OF, "en", "strong", r"\boffer\s+you\s+the\s+(?:position|role|job)"),
    _rule(OF, "en", "strong", r"\b(?:mak(?:e|ing)|extend(?:ing)?|giv(?:e|ing))\s+you\s+(?:an?\s+|our\s+)?"
                              r"(?:formal\s+|official\s+|verbal\s+|written\s+)?offer\b"),
    _rule(OF, "en", "strong", r"\b(?:like|love|want|pleased|happy|delighted|excited|thrilled|glad)\s+to\s+"
                              r"offer\s+you\b"),
    _rule(OF, "en", "weak", r"\b(?:start\s+date|compensation\s+package|base\s+salary|signing\s+bonus|"
                           r"equity\s+grant|background\s+check)\b"),
    _rule(OF, "de", "strong", r"\b(?:vertragsangebot|arbeitsvertrag|zusage\s+für\s+die\s+stelle|"
                             r"(?:ein|ein\s+konkretes|unser)\s+angebot\s+(?:unterbreiten|machen|zukommen))"),
    _rule(OF, "de", "strong", r"\b(?:freuen|freue)\s+(?:uns|mich)\b.{0,80}?\b(?:angebot|zusage|zusagen|"
                             r"einstellen|an\s+bord)"),
    _rule(OF, "de", "strong", r"\b(?:stelle|position)\b[^.!?;]{0,60}?\banbieten\b"),
    _rule(OF, "de", "weak", r"\b(?:eintrittsdatum|gehaltsvorstellung|vergütung|startdatum)\b"),
    # --- screening call -------------------------------------------------------------------------------------
    _rule(S, "en", "strong", r"\b(?:phone|telephone|recruiter|initial|intro|introductory|screening|quick|short|"
                             r"brief|first|informal|exploratory)\s+(?:phone\s+|video\s+|zoom\s+)?(?:call|chat|screen|"
                             r"conversation|talk)\b"),
    _rule(S, "en", "strong", r"\bphone\s+screen(?:ing)?\b|\bscreening\s+(?:interview|call)\b"),
    _rule(S, "en", "strong", r"\b(?:10|15|20|25|30)[\s-]?(?:min|minute|minutes|mins)\b\s+(?:phone\s+|video\s+|"
                             r"zoom\s+)?(?:call|chat|conversation|screen)"),
    _rule(S, "en", "strong", rf"\b(?:find|pick|book|schedule|set\s+up|arrange|grab)\s+(?:a\s+)?{_W}{{0,2}}"
                             r"(?:time|slot)\s+(?:for\s+a\s+|to\s+)(?:call|chat|talk|speak|connect)"),
    _rule(S, "en", "weak", r"\b(?:calendly|learn\s+more\s+about\s+(?:you|your\s+background)|"
                           r"your\s+availability|(?:a\s+)?(?:call|chat)\b)"),
    _rule(S, "de", "strong", r"\b(?:telefonisch(?:e[sn]?)?|kurze[sn]?|erste[sn]?|unverbindliche[sn]?)\s+"
                             r"(?:telefonat|telefoninterview|kennenlernen|kennenlerngespräch|austausch|gespräch)"),
    _rule(S, "de", "strong", r"\b(?:telefoninterview|telefonat|kennenlerngespräch|kennenlerntelefonat)\b"),
    # --- interview ------------------------------------------------------------------------------------------
    _rule(INT, "en", "strong", rf"\binvite\s+you\s+(?:to|for)\s+{_W}{{0,4}}(?:interview|onsite|on-site|"
                               r"final\s+round|technical|assessment|meeting|panel|conversation|visit)"),
    _rule(INT, "en", "strong", rf"\b(?:schedule|arrange|set\s+up|book|organi[sz]e)\s+{_W}{{0,4}}interviews?\b"),
    _rule(INT, "en", "strong", r"\b(?:technical|onsite|on-site|panel|final|second|2nd|third|next|virtual|video|"
                               r"in-person|behavioral|behavioural|system\s+design|coding)\s+(?:round\s+)?"
                               r"(?:interview|interviews|round)\b"),
    _rule(INT, "en", "strong", r"\binterview\s+(?:invitation|invite|with\s+(?:our|the)|slot|process\s+with)\b"),
    _rule(INT, "en", "strong", r"\b(?:next|following)\s+(?:round|stage|step)s?\s+(?:of|in)\s+(?:the\s+|our\s+)?"
                               r"(?:interview|hiring|recruitment|selection)"),
    _rule(INT, "en", "strong", r"\b(?:take[\s-]home|coding\s+(?:challenge|exercise|test)|technical\s+"
                               r"(?:assessment|exercise|challenge|test)|case\s+study)\b"),
    _rule(INT, "en", "strong", r"\bmeet\s+(?:with\s+)?(?:the|our)\s+(?:team|hiring\s+manager|engineering|founders?|"
                               r"cto|ceo)"),
    _rule(INT, "en", "weak", r"\binterview"),
    _rule(INT, "de", "strong", r"\b(?:vorstellungsgespräch|bewerbungsgespräch|fachgespräch|fachinterview|"
                               r"zweitgespräch|zweites\s+gespräch|probearbeiten|probetag|assessment[\s-]center)"),
    _rule(INT, "de", "strong", r"\b(?:zweite[nrs]?|dritte[nrs]?|nächste[nrs]?|finale[nrs]?|letzte[nrs]?)\s+"
                               r"(?:runde|gesprächsrunde|auswahlrunde|gespräch|interview)"),
    _rule(INT, "de", "strong", r"\b(?:laden|möchten|würden|lade)\s+(?:wir\s+|ich\s+)?(?:sie|dich)\s+(?:gerne\s+|"
                               r"herzlich\s+)?(?:zu\s+|zum\s+|zu\s+einem\s+|in\s+)?.{0,40}?(?:gespräch|interview|"
                               r"termin|kennenlernen)"),
    _rule(INT, "de", "strong", r"\beinladung\s+zu[mr]?\b.{0,40}?(?:gespräch|interview)"),
    _rule(INT, "de", "weak", r"\b(?:gespräch|termin)\b"),
    # --- acknowledgement ------------------------------------------------------------------------------------
    _rule(A, "en", "strong", r"\bthank(?:s|\s+you)\s+(?:so\s+much\s+|very\s+much\s+)?for\s+(?:your\s+)?"
                             r"(?:applying|application|interest|submitting|applying\s+to)"),
    _rule(A, "en", "strong", r"\b(?:have|'ve|has)\s+(?:successfully\s+)?received\s+your\s+application"),
    _rule(A, "en", "strong", r"\bapplication\s+(?:has\s+been\s+|was\s+)?(?:received|submitted\s+successfully|"
                             r"successfully\s+submitted)"),
    _rule(A, "en", "strong", r"\bapplication\b[^.!?;]{0,80}?\b(?:has\s+been|was)\s+(?:successfully\s+)?"
                             r"(?:received|submitted)"),
    _rule(A, "en", "strong", r"\b(?:will|are\s+going\s+to|'ll)\s+(?:be\s+)?(?:review|reviewing|carefully\s+review)"
                             r"\s+(?:your|all)\s+(?:application|applications|profile)"),
    _rule(A, "de", "strong", r"\b(?:vielen\s+|herzlichen\s+)?danke?\s+für\s+(?:ihre|deine|ihr|dein)\s+"
                             r"(?:bewerbung|interesse)"),
    _rule(A, "de", "strong", r"\b(?:ihre|deine)\s+bewerbung\s+(?:ist\s+)?(?:bei\s+uns\s+)?"
                             r"(?:eingegangen|erhalten|angekommen)|\beingangsbestätigung\b"),
    _rule(A, "de", "strong", r"\bwir\s+(?:melden|werden)\s+uns\s+(?:so\s+bald|in\s+kürze|zeitnah|schnellstmöglich|"
                             r"bei\s+(?:ihnen|dir))"),
)

_QUOTE_HEADER = re.compile(
    r"^(?:\s*on\s.{0,200}?\bwrote:\s*$|\s*am\s.{0,200}?\bschrieb\b.*$|\s*-{2,}\s*(?:original\s+message|"
    r"ursprüngliche\s+nachricht|forwarded\s+message)\s*-{2,}.*$|\s*from:\s.*$|\s*von:\s.*$)",
    re.IGNORECASE | re.MULTILINE,
)
_SPACE = re.compile(r"\s+")

# Scope of a cue. The text is folded to one line, so a clause ends at punctuation or a list/link separator.
_CLAUSE_END = re.compile(r"[.!?;:•|]")
SCOPE_WORDS = 6  # words before a cue in which a negation negates it ("we will not be extending an offer")
_NEGATION = re.compile(r"\bnot\b|n't\b|\bno\b|\bnever\b|\bunable\s+to\b|\bno\s+longer\b|"
                       r"\bnicht\b|\bkein(?:e[mnrs]?)?\b|\bnie\b")
# Negations that do not negate what follows them: politeness and "not only".
_NOT_A_NEGATION = re.compile(r"\b(?:do\s+not|don't)\s+(?:\w+\s+)?(?:hesitate|forget)\b|\bnot\s+only\b|"
                             r"\bno\s+(?:later|need|problem|worries|pressure|rush|matter)\b|\bwhether\s+or\s+not\b|"
                             r"\b(?:can't|cannot|can\s+not|couldn't)\s+wait\b|\bnicht\s+(?:nur|zu\s+zögern|vergessen)\b|"
                             r"\bkein\s+problem\b|\bkaum\s+erwarten\b")
# A condition before the negation ("if you are not available for the interview") leaves the cue standing.
_CONDITION = re.compile(r"\b(?:if|unless|in\s+case|should\s+you|falls|wenn|sofern|sollten?)\b")
# German puts the negation after the noun too: "ein Angebot können wir Ihnen leider nicht machen".
_NEGATION_AFTER_DE = re.compile(r"^(?:\s+[\w'-]+){0,4}?\s+(?:leider\s+)?nicht\b")
# A call or interview the writer thanks for or refers back to has happened; it is not what this mail proposes
# ("vielen Dank für das angenehme erste Gespräch! Wir möchten dich zu einem Fachgespräch einladen").
_PAST = re.compile(r"(?:\bthanks?|\bthank\s+you|\bdanke|\bdank)\s+(?:[\w'-]+\s+){0,3}?"
                   r"(?:for|für)\s+(?:[\w'-]+\s+){0,4}$|"
                   r"\b(?:after|following|nach)\s+(?:our|the|your|unserem|unserer|dem|der|ihrem|deinem)\s+"
                   r"(?:[\w'-]+\s+){0,2}$")
# Kinds whose cues scope applies to; a negated offer or interview is rejection evidence, a negated call is none.
_SCOPED = frozenset({ResponseKind.OFFER, ResponseKind.INTERVIEW, ResponseKind.SCREEN})
_NEGATED_IS_REJECTION = frozenset({ResponseKind.OFFER, ResponseKind.INTERVIEW})


@dataclass(frozen=True, slots=True)
class Verdict:
    kind: ResponseKind
    confidence: float
    matched: tuple[str, ...]  # "REJECTED/en/strong" per rule that fired, for the evaluation's error lines

    @property
    def sure(self) -> bool:
        return self.confidence >= SURE


def reply_text(subject: str, body: str) -> str:
    """What the replier wrote: the subject and the body down to the first quote header, without `>` lines,
    folded to lower case with single spaces."""
    header = _QUOTE_HEADER.search(body)
    own = body[: header.start()] if header else body
    lines = [line for line in own.splitlines() if not line.lstrip().startswith(">")]
    subject = re.sub(r"^(?:\s*(?:re|aw|fwd?|wg)\s*:\s*)+", "", subject, flags=re.IGNORECASE)
    return _SPACE.sub(" ", f"{subject}\n" + "\n".join(lines))[:MAX_TEXT].casefold().replace("’", "'")


def _clause_before(text: str, start: int) -> str:
    """The words of the cue's clause before it, at most 200 characters back."""
    head = text[max(0, start - 200):start]
    ends = list(_CLAUSE_END.finditer(head))
    return head[ends[-1].end():] if ends else head


def _negated(text: str, match: re.Match[str], language: str) -> bool:
    before = _NOT_A_NEGATION.sub(" ", _clause_before(text, match.start()))
    words = before.split()
    # the cue's own words count too: "die Stelle nicht anbieten" matches "Stelle ... anbieten"
    window = " ".join(words[-SCOPE_WORDS:]) + " " + _NOT_A_NEGATION.sub(" ", match.group())
    negation = _NEGATION.search(window)
    if negation:
        lead = " ".join(words[:-SCOPE_WORDS]) + " " + window[:negation.start()]
        return not _CONDITION.search(lead)
    if language == "de":
        after = text[match.end():match.end() + 60]
        end = _CLAUSE_END.search(after)
        after = after[:end.start()] if end else after
        return bool(_NEGATION_AFTER_DE.match(after)) and not _CONDITION.search(_clause_before(text, match.start()))
    return False


def _past(text: str, match: re.Match[str]) -> bool:
    return bool(_PAST.search(_clause_before(text, match.start())))


def classify(subject: str, body: str) -> Verdict:
    """The rules' kind for a reply, with a confidence (≥ `SURE`: the rules are sure) and the rules that fired.

    A cue of `_SCOPED` kinds counts only where at least one of its matches is neither negated nor referred back
    to; a negated offer or interview cue counts as strong rejection evidence instead ("REJECTED/en/negated-OFFER").
    """
    text = reply_text(subject, body)
    strong: dict[ResponseKind, int] = {}
    weak: dict[ResponseKind, int] = {}
    matched: list[str] = []
    for rule in RULES:
        matches = list(rule.pattern.finditer(text)) if rule.kind in _SCOPED else [rule.pattern.search(text)]
        standing = [m for m in matches if m is not None]
        negated = False
        if rule.kind in _SCOPED:
            negations = [_negated(text, m, rule.language) for m in standing]
            negated = any(negations)
            standing = [m for m, no in zip(standing, negations, strict=True) if not no and not _past(text, m)]
        if standing:
            counts = strong if rule.strength == "strong" else weak
            counts[rule.kind] = counts.get(rule.kind, 0) + 1
            matched.append(f"{rule.kind.value}/{rule.language}/{rule.strength}")
        elif negated and rule.kind in _NEGATED_IS_REJECTION:
            strong[ResponseKind.REJECTED] = strong.get(ResponseKind.REJECTED, 0) + 1
            matched.append(f"{ResponseKind.REJECTED.value}/{rule.language}/negated-{rule.kind.value}")
    fired = tuple(matched)
    decisive = [k for k in PRIORITY if k in strong and k is not ResponseKind.ACKNOWLEDGED]
    if decisive:
        confidence = 0.9 if len(decisive) == 1 else 0.7
        return Verdict(decisive[0], confidence, fired)
    other_weak = [k for k in PRIORITY if k in weak and k is not ResponseKind.ACKNOWLEDGED]
    if ResponseKind.ACKNOWLEDGED in strong:
        if other_weak:
            return Verdict(max(other_weak, key=lambda k: (weak[k], -PRIORITY.index(k))), 0.5, fired)
        return Verdict(ResponseKind.ACKNOWLEDGED, 0.85, fired)
    if other_weak:
        return Verdict(max(other_weak, key=lambda k: (weak[k], -PRIORITY.index(k))), 0.4, fired)
    return Verdict(ResponseKind.OTHER, 0.0, fired)
