"""Deterministic requirement extraction: a posting's text read into `JobRequirements` without any model or API.

Skills are found by phrase matching against the vocabulary shipped in `vocabulary/` (a hand-written tech list
plus ESCO skill labels): the text and every vocabulary form are split into the same lowercase tokens, and a
token trie finds the longest vocabulary phrase at each position, left to right. The rest (years, seniority,
degree, sections) are small regular expressions over the lines discovery's `html_to_text` produces: headings and
"- " bullets on lines of their own.

Everything here is pure: the posting's text is data, never instructions. Whatever a description says, only
vocabulary terms become skills, and the structured fields come from fixed patterns.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from importlib import resources
from typing import Literal

from processors.analysis.model import Experience, JobRequirements, RemoteLevel, RequiredSkill, Salary, Seniority
from processors.discovery.model import FetchedPosting
from processors.discovery.normalize import clean_line, detect_workplace, find_salary
from streams.messages import Workplace

SkillKind = Literal["skill", "knowledge"]

# --- tokens ---------------------------------------------------------------------------------------------------

# Words, with the suffixes that make a different name ("C++", "C#") and ".NET" as one token. Everything else is
# a separator; the separator decides whether a phrase may continue across it (see `_SOFT_GAP`).
_TOKEN = re.compile(r"(?<![A-Za-z0-9])\.net\b|[A-Za-z0-9]+(?:\+\+|#(?![A-Za-z0-9]))?", re.IGNORECASE)
# A phrase continues across spaces and the punctuation inside names ("node.js", "CI/CD", "scikit-learn"), but not
# across commas, colons, brackets or sentence ends ("Python, Java" is two terms; "Python. Data" is not one).
_SOFT_GAP = re.compile(r"\s*|[-/.'’_]|\s*[/&]\s*|\s+-\s+")


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    key: str  # lowercased
    start: int
    end: int
    joined: bool  # whether a phrase may continue from the token before this one to this one


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    previous_end: int | None = None
    for match in _TOKEN.finditer(text):
        joined = previous_end is not None and _SOFT_GAP.fullmatch(text, previous_end, match.start()) is not None
        tokens.append(Token(match.group(), match.group().lower(), match.start(), match.end(), joined))
        previous_end = match.end()
    return tokens


# --- vocabulary -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Term:
    """One vocabulary form: the canonical `name` it stands for and how it may match."""

    name: str
    source: Literal["tech", "esco"]
    kind: SkillKind  # SkillSpan's split: a competence ("manage staff") or a body of knowledge/tool ("Kafka")
    exact: tuple[str, ...] | None = None  # the tokens in their required case, or None for any case
    in_context: bool = False  # only on a line that names another tech term (or a cue such as "programming")



_CONTEXT_CUES = frozenset(
    {"programming", "language", "languages", "coding", "scripting", "stack", "framework", "frameworks", "libraries",
     "developer", "engineer", "engineering", "models", "code"}
)


@dataclass(frozen=True, slots=True)
class Vocabulary:
    terms: tuple[tuple[tuple[str, ...], Term], ...]  # (token keys, term)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(term.name for _, term in self.terms)


def _read(name: str) -> str:
    return (resources.files("processors.analysis") / "vocabulary" / name).read_text(encoding="utf-8")


def _lines(text: str) -> Iterator[str]:
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            yield line


def _keys(form: str) -> tuple[str, ...]:
    return tuple(token.key for token in tokenize(form))


def _tech_terms(document: dict[str, object]) -> Iterator[tuple[tuple[str, ...], Term]]:
    skills = document["skills"]
    assert isinstance(skills, list)
    for entry in skills:
        name: str = entry["name"]
        exact: list[str] = entry.get("exact", [])
        in_context: list[str] = entry.get("in_context", [])
        loose: list[str] = entry.get("match", [])
        if name not in exact and name not in in_context:
            loose = [name, *loose]
        for form in loose:
            yield _keys(form), Term(name, "tech", "knowledge")
        for form in exact:
            yield _keys(form), Term(name, "tech", "knowledge", exact=tuple(t.text for t in tokenize(form)))
        for form in in_context:
            yield _keys(form), Term(name, "tech", "knowledge", exact=tuple(t.text for t in tokenize(form)),
                                    in_context=True)


_QUALIFIER = re.compile(r"\s*\([^)]*\)")
_MAX_ESCO_TOKENS = 5


def _esco_terms(
    labels: Iterable[str], excluded: frozenset[str], skill_verbs: frozenset[str]
) -> Iterator[tuple[tuple[str, ...], Term]]:
    """ESCO writes a skill or competence as an imperative ("manage staff") and knowledge as a noun phrase
    ("sport and exercise medicine"): the label's first word tells the kinds apart well enough."""
    for label in labels:
        if label.casefold() in excluded:
            continue
        form = _QUALIFIER.sub("", label).strip()  # "Puppet (tools for software configuration management)"
        tokens = tokenize(form)
        if not tokens or len(tokens) > _MAX_ESCO_TOKENS:
            continue
        first = tokens[0].key
        kind: SkillKind = "skill" if first in skill_verbs else "knowledge"
        qualified = form != label
        # Names and acronyms ("Haskell", "LDAP", "ICT project management") match in their own case only.
        exact = tuple(t.text for t in tokens) if qualified or any(c.isupper() for c in form) else None
        yield tuple(t.key for t in tokens), Term(label, "esco", kind, exact=exact, in_context=qualified)


@lru_cache(maxsize=1)
def load_vocabulary() -> Vocabulary:
    """The shipped vocabulary, tech terms first (they win over an ESCO label with the same words)."""
    tech = list(_tech_terms(json.loads(_read("tech_skills.json"))))
    excluded = frozenset(line.casefold() for line in _lines(_read("esco_excluded.txt")))
    skill_verbs = frozenset(_lines(_read("esco_skill_verbs.txt")))
    esco = list(_esco_terms(_lines(_read("esco_skills_en.txt")), excluded, skill_verbs))
    return Vocabulary(tuple(item for item in [*tech, *esco] if item[0]))


# --- matcher --------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    terms: list[Term] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SkillMatch:
    """A vocabulary term found in a text: `text[start:end]` is `surface`; tokens `first_token` to `end_token`."""

    term: Term
    surface: str
    start: int
    end: int
    first_token: int
    end_token: int


class SkillMatcher:
    """Longest-match-first phrase matching over a token trie, built once per vocabulary."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self._root = _Node()
        for keys, term in vocabulary.terms:
            node = self._root
            for key in keys:
                node = node.children.setdefault(key, _Node())
            if term not in node.terms:
                node.terms.append(term)

    def find(self, text: str) -> list[SkillMatch]:
        """Every vocabulary term in `text`, left to right, none overlapping. Call it per line or sentence: the
        `in_context` terms are kept only when the same text names another tech term or a context cue."""
        tokens = tokenize(text)
        found: list[SkillMatch] = []
        index = 0
        while index < len(tokens):
            best: tuple[int, Term] | None = None
            node = self._root
            end = index
            while end < len(tokens) and (end == index or tokens[end].joined):
                child = node.children.get(tokens[end].key)
                if child is None:
                    break
                node = child
                end += 1
                term = _first_accepting(node.terms, tokens[index:end])
                if term is not None:
                    best = (end, term)
            if best is None:
                index += 1
                continue
            end, term = best
            start_char, end_char = tokens[index].start, tokens[end - 1].end
            found.append(SkillMatch(term, text[start_char:end_char], start_char, end_char, index, end))
            index = end
        return _resolve_context(found, tokens)


def _first_accepting(terms: Sequence[Term], tokens: Sequence[Token]) -> Term | None:
    for term in terms:
        if term.exact is None or term.exact == tuple(token.text for token in tokens):
            return term
    return None


def _resolve_context(found: list[SkillMatch], tokens: Sequence[Token]) -> list[SkillMatch]:
    if all(not match.term.in_context for match in found):
        return found
    has_context = any(match.term.source == "tech" and not match.term.in_context for match in found) or any(
        token.key in _CONTEXT_CUES for token in tokens
    )
    return [match for match in found if has_context or not match.term.in_context]


@lru_cache(maxsize=1)
def default_matcher() -> SkillMatcher:
    """The matcher over the shipped vocabulary, built on first use (~0.2 s) and shared."""
    return SkillMatcher(load_vocabulary())


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


_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-Z0-9(\"'])")
_OPTIONAL_CUE = re.compile(
    r"nice[\s-]to[\s-]have|\bpreferred\b|\bpreferably\b|\bbonus\b|\ba (?:big |huge |strong )?plus\b|\bplus\b\s*[!.)]?$|"
    r"\bideally\b|\bdesirable\b|\bdesired\b|\badvantageous\b|\ban advantage\b|\bwould be great\b|\bnot required\b|"
    r"\boptional\b|\bgood to have\b|\bappreciated\b",
    re.IGNORECASE,
)


def sentences(text: str) -> list[str]:
    return [part for part in _SENTENCE_END.split(text) if part]


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


def remote_level(posting: FetchedPosting) -> RemoteLevel | None:
    workplace = posting.workplace
    if workplace is Workplace.UNKNOWN:
        workplace = detect_workplace(*posting.locations, posting.title)
    if workplace is Workplace.UNKNOWN:
        statements = [s for s in sentences(posting.description_text) if _WORKPLACE_STATEMENT.search(s)]
        workplace = detect_workplace(*statements)
    return _REMOTE_LEVELS.get(workplace)


def salary(posting: FetchedPosting) -> Salary | None:
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


def extract_requirements(posting: FetchedPosting, matcher: SkillMatcher | None = None) -> JobRequirements:
    """The posting's requirements, read deterministically from its fields and text (no model, no I/O beyond the
    vocabulary loaded once)."""
    matcher = matcher or default_matcher()
    lines = sectioned_lines(posting.description_text)
    skills: dict[str, _SkillFound] = {}
    required_sentences: list[str] = []
    optional_sentences: list[str] = []
    experience_found: list[tuple[bool, tuple[int, int | None]]] = []

    def note_skills(text: str, required: bool) -> None:
        for match in matcher.find(text):
            found = skills.setdefault(match.term.name, _SkillFound([], required))
            found.required = found.required or required
            if match.surface not in found.keywords and len(match.surface) <= _MAX_KEYWORD:
                found.keywords.append(match.surface)

    note_skills(posting.title, True)
    for line in lines:
        for sentence in sentences(line.text):
            required = line.section is not Section.NICE_TO_HAVE and not _OPTIONAL_CUE.search(sentence)
            (required_sentences if required else optional_sentences).append(sentence)
            note_skills(sentence, required)
            years = years_of_experience(sentence)
            if years is not None:
                experience_found.append((required, years))

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


def _experience(posting: FetchedPosting, found: list[tuple[bool, tuple[int, int | None]]]) -> Experience:
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
