"""Requirement extraction without an API: a posting's text read into `JobRequirements`.

Skills come from two sources. The vocabulary (`textkit/vocabulary/`: a hand-written tech list plus ESCO skill
labels): the text and every vocabulary form are split into the same lowercase tokens, and a token trie finds the
longest vocabulary phrase at each position, left to right. And, when given a `SpanModel` (the CRF trained on
SkillSpan, `textkit/skill_spans.py`), the skill and knowledge spans it finds in each sentence ("communicate
findings to stakeholders", "Laravel"), each normalized to a canonical name: the vocabulary's name when the span is
one vocabulary term, a concept's name when it states one (`textkit/skill_concepts.py`: "stakeholder
communication"), else the phrase itself; the words found stay as keywords. The rest (years, seniority, degree,
sections) are small regular expressions over the lines discovery's `html_to_text` produces: headings and "- "
bullets on lines of their own.

Everything here is pure and deterministic: the posting's text is data, never instructions. Skills are spans of
the posting's own words (or vocabulary names), and the structured fields come from fixed patterns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from processors.analysis.model import Experience, JobRequirements, RemoteLevel, RequiredSkill, Salary, Seniority
from streams.messages import PostingFields, Workplace
from textkit.normalize import clean_line, detect_workplace
from textkit.salary import find_salary
from textkit.skill_spans import SpanFinder, canonical_skill
from textkit.skills import SkillMatch, SkillMatcher, default_matcher, sentences

# --- sections -------------------------------------------------------------------------------------------------


class Section(Enum):
    INTRO = "intro"
    RESPONSIBILITIES = "responsibilities"
    QUALIFICATIONS = "qualifications"
    NICE_TO_HAVE = "nice to have"
    OTHER = "other"


_BULLET = re.compile(r"^\s*(?:[-+*•·▪◦‣–]|\d{1,2}[.)])\s+")
_NICE_HEADING = re.compile(
    r"nice[\s-]to[\s-]haves?|preferred|bonus|pluses|\bplus\b|desirable|desired|good[\s-]to[\s-]have|ideally|"
    r"extra credit|even better|stand out|advantageous|optional", re.IGNORECASE)
_QUALIFICATION_HEADING = re.compile(
    r"requirements?|qualifications?|what we(?:'re|’re| are)? look(?:ing)? for|who you are|about you|you have|"
    r"you(?:'ll|’ll| will)? bring|what you(?:'ll|’ll| will)? need|must[\s-]haves?|skills|experience|your profile|"
    r"profile|competenc|what it takes|you might be a fit|you may be a good fit|you are|ideal candidate",
    re.IGNORECASE)
_RESPONSIBILITY_HEADING = re.compile(
    r"responsibilit|what you(?:'ll|’ll| will)? (?:be )?do(?:ing)?|what you(?:'ll|’ll| will)? work on|your role|"
    r"the role|in this role|duties|day[\s-]to[\s-]day|your impact|your mission|accountabilities|you will|"
    r"what you(?:'ll|’ll| will)? achieve|your tasks|tasks",
    re.IGNORECASE)
_OTHER_HEADING = re.compile(
    r"benefits|perks|what we offer|we offer|why (?:join|work)|about (?:us|the company|the team)|compensation|"
    r"salary|pay|equal (?:employment )?opportunity|diversity|how to apply|apply|location|our (?:culture|values|team)|"
    r"who we are|the company|about", re.IGNORECASE)
_MAX_HEADING_WORDS = 9


def _heading_section(line: str) -> Section | None:
    """The section a heading line opens, or None when the line is not a heading."""
    if _BULLET.match(line) or len(line) > 80 or len(line.split()) > _MAX_HEADING_WORDS or _INLINE_HEADING.match(line):
        return None
    line = line.strip("*_# ")
    bare = line.rstrip(":").strip()
    if not bare or line.endswith((".", "!", ",", ";")):
        return None
    known = _known_heading(bare)
    if known is not None:
        return known
    return Section.OTHER if line.endswith(":") else None


def _known_heading(text: str) -> Section | None:
    for pattern, section in (
        (_NICE_HEADING, Section.NICE_TO_HAVE),
        (_RESPONSIBILITY_HEADING, Section.RESPONSIBILITIES),
        (_QUALIFICATION_HEADING, Section.QUALIFICATIONS),
        (_OTHER_HEADING, Section.OTHER),
    ):
        if pattern.search(text):
            return section
    return None


_INLINE_HEADING = re.compile(r"^([^:]{3,60}):\s+(\S.*)$")


@dataclass(frozen=True, slots=True)
class Line:
    text: str  # bullet marker removed
    section: Section
    bullet: bool


def sectioned_lines(description: str) -> list[Line]:
    """The description's content lines, each with the section its heading opened. A line that starts with a
    heading of its own ("Requirements: Python, Go", "Salary: ...") belongs to that heading's section, and the
    lines after it stay in the section before."""
    lines: list[Line] = []
    section = Section.INTRO
    for raw in description.splitlines():
        line = clean_line(raw)
        if not line:
            continue
        heading = _heading_section(line)
        if heading is not None:
            section = heading
            continue
        bullet = _BULLET.match(line)
        if bullet:
            lines.append(Line(line[bullet.end():], section, True))
            continue
        inline = _INLINE_HEADING.match(line)
        inline_section = _known_heading(inline[1]) if inline and len(inline[1].split()) <= _MAX_HEADING_WORDS else None
        if inline and inline_section is not None:
            lines.append(Line(inline[2], inline_section, False))
        else:
            lines.append(Line(line, section, False))
    return lines


_OPTIONAL_CUE = re.compile(
    r"nice[\s-]to[\s-]have|\bpreferred\b|\bpreferably\b|\bbonus\b|\ba (?:big |huge |strong )?plus\b|\bplus\b\s*[!.)]?$|"
    r"\bideally\b|\bdesirable\b|\bdesired\b|\badvantageous\b|\ban advantage\b|\bwould be great\b|\bnot required\b|"
    r"\boptional\b|\bgood to have\b|\bappreciated\b",
    re.IGNORECASE,
)



# --- experience, seniority, degree ----------------------------------------------------------------------------

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
}  # fmt: skip
_NUM = r"(\d{1,2}|" + "|".join(_NUMBER_WORDS) + r")"
_YEARS = r"\s*(?:\+|plus)?\s*(?:years?|yrs?)\b['’]?"
_YEARS_RANGE = re.compile(_NUM + r"\s*(?:-|–|—|to)\s*" + _NUM + _YEARS, re.IGNORECASE)
_YEARS_MIN = re.compile(
    r"(?P<cue>\bat least|\bminimum(?: of)?|\bmin\.?|\bover|\bmore than|\bno less than)?\s*\(?\b"
    + _NUM.replace("(", "(?P<n>", 1)
    + r"\)?\s*(?P<plus>\+|plus)?\s*(?:years?|yrs?)\b['’]?(?P<after>\s+(?:of|in|with|experience|exp\b|working|"
    r"professional|hands-on|relevant|industry|related|proven|commercial|post)|\s*['’]?\s*experience)?",
    re.IGNORECASE,
)
_MAX_YEARS = 30


def _number(text: str) -> int:
    return int(text) if text.isdigit() else _NUMBER_WORDS[text.lower()]


def years_of_experience(text: str) -> tuple[int, int | None] | None:
    """`(minimum, maximum)` years asked for in one sentence ("3-5 years", "5+ years of", "at least three years
    of experience"), or None. A bare "10 years" ("founded 10 years ago") is not a requirement."""
    lowered = text.lower()
    if "yr" not in lowered and "year" not in lowered:  # most sentences: skip the two patterns
        return None
    for match in _YEARS_RANGE.finditer(text):
        low, high = _number(match[1]), _number(match[2])
        if 0 <= low <= high <= _MAX_YEARS and high > 0:
            return low, high
    for match in _YEARS_MIN.finditer(text):
        if not (match["cue"] or match["plus"] or match["after"]):
            continue
        years = _number(match["n"])
        if 0 < years <= _MAX_YEARS:
            return years, None
    return None


_SENIORITY_PATTERNS: tuple[tuple[re.Pattern[str], Seniority], ...] = (
    (re.compile(r"\bintern(?:ship)?s?\b|\bco-?op\b|\btrainee\b|\bwerkstudent", re.I), Seniority.INTERN),
    (re.compile(r"\bprincipal\b|\bdistinguished\b|\bfellow\b", re.I), Seniority.PRINCIPAL),
    (re.compile(r"\bstaff\b|\blead\b|\bhead of\b|\bmanager\b|\bdirector\b", re.I), Seniority.LEAD),
    (re.compile(r"\bsenior\b|\bsr\.?(?=\s|$)|\bexperienced\b|\bIII\b", re.I), Seniority.SENIOR),
    (re.compile(r"\bjunior\b|\bjr\.?(?=\s|$)|\bentry[\s-]level\b|\bgraduate\b|\bnew grad\b|\bassociate\b", re.I),
     Seniority.JUNIOR),
    (re.compile(r"\bmid(?:dle)?[\s-]?(?:level|senior)?\b|\bintermediate\b|\bII\b", re.I), Seniority.MID),
)
_LEVEL_IN_TEXT = re.compile(
    r"\b(?:this is an?|as an?|looking for an?|seeking an?|hiring an?|you are an?|join us as an?)\s+"
    r"(intern|junior|entry[\s-]level|mid[\s-]level|senior|staff|lead|principal)\b|"
    r"\b(entry|mid|senior)[\s-]level (?:role|position)\b",
    re.IGNORECASE,
)


def seniority(title: str, text: str) -> Seniority | None:
    """The level the title names; otherwise a level the text states about the role ("we are looking for a
    senior ...", "an entry-level position"), never one it merely mentions ("work with senior engineers")."""
    for pattern, level in _SENIORITY_PATTERNS:
        if pattern.search(title):
            return level
    stated = _LEVEL_IN_TEXT.search(text)
    if stated is None:
        return None
    word = (stated[1] or stated[2]).lower()
    for pattern, level in _SENIORITY_PATTERNS:
        if pattern.search(word):
            return level
    return None


_DEGREE_LEVELS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bassociate'?s? degree\b", re.I), "Associate's degree"),
    (re.compile(r"(?i:\bbachelor'?s?\b|\bb\.?sc\b|\bb\.s\.|\bundergraduate degree\b|\b(?:4|four)[\s-]year degree\b)|"
                r"\bBS\b|\bB\.A\.|\bBA\b"), "Bachelor's degree"),
    (re.compile(r"(?i:\bmaster'?s?\b(?! data)|\bm\.?sc\b|\bm\.s\.)|\bMBA\b|"
                r"\bMS\b(?!\s*(?:Excel|Office|SQL|Word|Teams|Access|Azure|Project|Visio|Dynamics))"),
     "Master's degree"),
    (re.compile(r"\bph\.?\s?d\b|\bdoctorate\b|\bdoctoral degree\b", re.I), "PhD"),
)
_ANY_DEGREE = re.compile(r"\b(?:university|college|academic)? ?degree\b", re.I)
_DEGREE_FIELD = re.compile(
    r"\b(?:degree|bachelor'?s?|master'?s?|b\.?sc|m\.?sc|ph\.?\s?d|BS|MS|BA|B\.S\.|M\.S\.)\.?(?:\s+degree)?\s+"
    r"(?:in|of)\s+(?P<field>(?:a\s+)?[A-Za-z][A-Za-z ,/&-]{2,80}?)(?=\s*(?:[.;:()\n]|$|\bor equivalent\b|"
    r"\bor (?:relevant|related|equivalent)\b|\bwith\b|\bplus\b|\band\s+\d))",
    re.IGNORECASE,
)


def names_level(level: Seniority, text: str) -> bool:
    """Whether `text` names `level` anywhere (a model's level must be found in the posting)."""
    return any(pattern.search(text) for pattern, named in _SENIORITY_PATTERNS if named is level)


def degree_levels(text: str) -> set[str]:
    """The degree levels `text` names ("Bachelor's degree", "PhD", ...)."""
    return {name for pattern, name in _DEGREE_LEVELS if pattern.search(text)}


def degree(sentences_: Sequence[str]) -> str | None:
    """The lowest degree the sentences ask for, with its field when stated: "Bachelor's degree in Computer
    Science". Sentences are given required ones first; the first sentence that mentions a degree decides."""
    for sentence in sentences_:
        levels = [name for pattern, name in _DEGREE_LEVELS if pattern.search(sentence)]
        if not levels and not _ANY_DEGREE.search(sentence):
            continue
        if not levels and not re.search(r"\bdegree\b", sentence, re.I):
            continue
        name = levels[0] if levels else "Degree"
        field_match = _DEGREE_FIELD.search(sentence)
        if field_match:
            subject = field_match["field"].strip(" ,-")
            return f"{name} in {subject}"[:120]
        return name
    return None


# --- workplace, salary ----------------------------------------------------------------------------------------

_REMOTE_LEVELS = {Workplace.REMOTE: RemoteLevel.FULL, Workplace.HYBRID: RemoteLevel.HYBRID,
                  Workplace.ONSITE: RemoteLevel.NONE}
# Description sentences that state the role's own arrangement; a bare "remote" in a description is too often
# about something else ("remote sensing", "our remote-first culture for some teams").
_WORKPLACE_STATEMENT = re.compile(
    r"\b(?:fully|100%|completely|entirely) remote\b|\bremote[\s-](?:first|only) (?:role|position)\b|"
    r"\b(?:this|the) (?:role|position|job) is (?:fully |100% )?(?:remote|hybrid|on[\s-]?site|in[\s-]office)\b|"
    r"\bon[\s-]?site in\b|\bhybrid (?:role|position|schedule|model|work)\b|\b(?:work|workplace) (?:type|model):",
    re.IGNORECASE,
)


def remote_level(posting: PostingFields) -> RemoteLevel | None:
    workplace = posting.workplace
    if workplace is Workplace.UNKNOWN:
        workplace = detect_workplace(*posting.locations, posting.title)
    if workplace is Workplace.UNKNOWN:
        statements = [s for s in sentences(posting.description_text) if _WORKPLACE_STATEMENT.search(s)]
        workplace = detect_workplace(*statements)
    return _REMOTE_LEVELS.get(workplace)


def salary(posting: PostingFields) -> Salary | None:
    if posting.salary_min is not None or posting.salary_max is not None:
        return Salary(minimum=posting.salary_min, maximum=posting.salary_max, currency=posting.salary_currency)
    found = find_salary(posting.description_text)
    if found is None:
        return None
    return Salary(minimum=found.minimum, maximum=found.maximum, currency=found.currency)


# --- the whole posting ----------------------------------------------------------------------------------------

_MAX_ITEM = 500
_MAX_KEYWORD = 120


@dataclass(slots=True)
class _SkillFound:
    keywords: list[str]
    required: bool


def extract_requirements(posting: PostingFields, matcher: SkillMatcher | None = None,
                         spans: SpanFinder | None = None) -> JobRequirements:
    """The posting's requirements, read from its fields and text: the vocabulary's skills, and with `spans` also
    the span model's (no I/O beyond the vocabulary and the model, each loaded once)."""
    matcher = matcher or default_matcher()
    lines = sectioned_lines(posting.description_text)
    skills: dict[str, _SkillFound] = {}
    required_sentences: list[str] = []
    optional_sentences: list[str] = []
    experience_found: list[tuple[bool, tuple[int, int | None]]] = []
    read: list[tuple[str, bool, list[SkillMatch]]] = []

    def note(name: str, surface: str, required: bool) -> None:
        found = skills.setdefault(name, _SkillFound([], required))
        found.required = found.required or required
        if surface not in found.keywords and len(surface) <= _MAX_KEYWORD:
            found.keywords.append(surface)

    def note_skills(text: str, required: bool) -> None:
        matches = matcher.find(text)
        for match in matches:
            note(match.term.name, match.surface, required)
        read.append((text, required, matches))

    note_skills(posting.title, True)
    for line in lines:
        for sentence in sentences(line.text):
            required = line.section is not Section.NICE_TO_HAVE and not _OPTIONAL_CUE.search(sentence)
            (required_sentences if required else optional_sentences).append(sentence)
            note_skills(sentence, required)
            years = years_of_experience(sentence)
            if years is not None:
                experience_found.append((required, years))
    if spans is not None:
        body = read[1:]  # a title names a role, not a skill asked for: the model reads the description only
        found_spans = spans.find_many([text for text, _, _ in body], [matches for _, _, matches in body])
        for (_, required, matches), found in zip(body, found_spans, strict=True):
            for span in found:
                name = canonical_skill(span, matches)
                if name is not None:
                    note(name[:120], span.surface, required)

    return JobRequirements(
        title=posting.title,
        company=posting.company,
        type=clean_line(posting.employment_type) or None,
        remote=remote_level(posting),
        location="; ".join(posting.locations) or None,
        salary=salary(posting),
        experience=_experience(posting, experience_found),
        degree=degree([*required_sentences, *optional_sentences]),
        responsibilities=_items(lines, {Section.RESPONSIBILITIES}),
        qualifications=_items(lines, {Section.QUALIFICATIONS, Section.NICE_TO_HAVE}),
        skills=[RequiredSkill(name=name[:120], keywords=found.keywords, required=found.required)
                for name, found in skills.items()],
    )


def _experience(posting: PostingFields, found: list[tuple[bool, tuple[int, int | None]]]) -> Experience:
    """The strongest stated requirement among required sentences (a posting asking "5+ years of backend work"
    and "2+ years of Kafka" wants five), or among the optional ones when no required sentence states years."""
    pool = [years for required, years in found if required] or [years for _, years in found]
    years_min = years_max = None
    if pool:
        years_min, years_max = max(pool, key=lambda years: (years[0], years[1] or 0))
    level = seniority(posting.title, posting.description_text)
    return Experience(years_min=years_min, years_max=years_max, level=level)


def _items(lines: Sequence[Line], wanted: set[Section]) -> list[str]:
    return [line.text[:_MAX_ITEM] for line in lines if line.section in wanted]
