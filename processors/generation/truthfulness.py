"""The hard rule: generated text never states a skill, employer, title, degree, date or number the profile does
not contain.

Each line is judged against the texts its provenance cites (JSON pointers into the profile; `job:` pointers into
the job for the addressee of a letter):

- verbatim: the text is the cited text (whitespace aside);
- selected: the text is a contiguous part of one cited text, or several cited texts in order, joined only by
  separators (commas, dashes, "and", ...);
- rephrased: grounded in the cited texts by construction (`textkit.grounding`): every word, name, number,
  unit, symbol and skill of the rewrite, normalized whatever its case or script, is one of the cited text's or
  a closed-list style word; numbers keep their units and relations, relational words their objects, and the
  source's negations and hedges stay. A skill moves only with its evidence: a rewrite names a skill only when
  the line it cites does, never because the profile names it elsewhere.
- template: every fact in the text is in the cited texts — each number (dates are numbers too), each
  capitalized name (employer, title, degree, place) and each skill term (vocabulary canonical names). One
  derived fact is allowed: "N+ years" of experience, when N does not exceed the years the profile's work dates
  show as of `today` (so `verify` needs `today` for such a line). Template lines are the project's own fixed
  words around cited slots, never a model's.

A line citing nothing ("" only) may hold no fact at all: a section heading, "Dear hiring team,".
The rule errs towards rejecting: a rewrite that writes "March 2021" for "2021-03" fails and falls back to the
profile's own words (`fallback_to_profile_words`), which is always safe.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from processors.generation.facts import (
    contains_phrase,
    numbers,
    proper_nouns,
    skill_spans,
    skill_terms,
    stems,
    text_at,
    word_set,
)
from processors.generation.model import (
    JOB_PATH_PREFIX,
    CoverLetter,
    Entry,
    Line,
    ResumeSection,
    TailoredResume,
    Violation,
)
from streams.messages import JobRequirements
from textkit.grounding import ungrounded
from textkit.jsonresume import years_of_experience

_SPACES = re.compile(r"\s+")
_YEARS_CLAIM = re.compile(r"\b(\d+)\+?\s+years?\b", re.IGNORECASE)
_SEPARATOR_WORDS = frozenset({"and", "at", "in", "of", "with"})
_SEPARATORS = re.compile(r"[\s,;:·•|/&()\[\]–—-]+")


def verify(
    profile: dict[str, Any], resume: TailoredResume, *, job: JobRequirements | None = None,
    today: date | None = None,
) -> list[Violation]:
    """Every line of `resume` the profile does not support, with the reason (empty: the resume is truthful)."""
    return verify_lines(profile, resume.lines(), job=job, today=today)


def verify_cover_letter(
    profile: dict[str, Any], letter: CoverLetter, job: JobRequirements, *, today: date | None = None
) -> list[Violation]:
    return verify_lines(profile, letter.lines(), job=job, today=today)


def verify_lines(
    profile: dict[str, Any], lines: Iterable[Line], *, job: JobRequirements | None = None, today: date | None = None
) -> list[Violation]:
    judge = _Judge(profile, job, today)
    return [Violation(line_text=line.text, reason=reason) for line in lines for reason in judge.reasons(line)]


class _Judge:
    def __init__(self, profile: dict[str, Any], job: JobRequirements | None, today: date | None) -> None:
        self.profile = profile
        self.job = job.model_dump(mode="json") if job is not None else None
        self.today = today

    def cited(self, path: str) -> str | None:
        if path.startswith(JOB_PATH_PREFIX):
            return None if self.job is None else text_at(self.job, path[len(JOB_PATH_PREFIX):])
        return text_at(self.profile, path)

    def reasons(self, line: Line) -> list[str]:
        transforms = {p.transform for p in line.provenance}
        if len(transforms) > 1:
            return [f"mixes transforms {sorted(transforms)}"]
        transform = line.transform
        texts: list[str] = []
        for path in line.paths:
            if path == "":
                continue
            text = self.cited(path)
            if text is None:
                where = "the job" if path.startswith(JOB_PATH_PREFIX) else "the profile"
                return [f"cites {path!r}, which {where} does not contain"]
            texts.append(text)
        if transform == "verbatim":
            return self._verbatim(line, texts)
        if transform == "selected":
            return self._selected(line, texts)
        if transform == "rephrased":
            return self._grounded(line, texts)
        return self._facts(line, texts)

    @staticmethod
    def _verbatim(line: Line, texts: list[str]) -> list[str]:
        if len(line.provenance) != 1 or len(texts) != 1:
            return ["a verbatim line cites exactly one profile text"]
        if _norm(line.text) != _norm(texts[0]):
            return [f"is not the profile's text at {line.paths[0]} ({texts[0]!r})"]
        return []

    @staticmethod
    def _selected(line: Line, texts: list[str]) -> list[str]:
        text = _norm(line.text)
        if not texts:
            return ["a selected line cites no profile text"]
        if len(texts) == 1:
            if _is_part(text, _norm(texts[0])):
                return []
            return [f"is not a contiguous part of the profile's text at {line.paths[0]}"]
        remainder, position = [], 0
        for cited in map(_norm, texts):
            found = text.find(cited, position)
            if found < 0:
                return [f"does not contain the cited text {cited!r} in order"]
            remainder.append(text[position:found])
            position = found + len(cited)
        remainder.append(text[position:])
        glue = [w for w in _SEPARATORS.split(" ".join(remainder).lower()) if w]
        extra = [w for w in glue if w not in _SEPARATOR_WORDS]
        return [f"adds {' '.join(extra)!r} between the selected texts"] if extra else []

    @staticmethod
    def _grounded(line: Line, texts: list[str]) -> list[str]:
        if not texts or any(p.startswith(JOB_PATH_PREFIX) for p in line.paths):
            return ["a rephrased line cites the profile lines it rewrites, and only those"]
        return ungrounded(line.text, "\n".join(texts))

    def _facts(self, line: Line, texts: list[str]) -> list[str]:
        reasons: list[str] = []
        cited = "\n".join(texts)
        cited_joined = ", ".join(texts)  # one line, so context-dependent terms ("Go") are read as in a list
        cited_numbers = numbers(cited)
        cited_words = word_set(cited)
        cited_stems = stems(cited)

        for number in sorted(numbers(line.text) - cited_numbers):
            if self._years_claim_holds(line, number):
                continue
            reasons.append(f"states the number {number}, which the cited profile text does not")

        spans = skill_spans(line.text)
        cited_skills = skill_terms(cited) | skill_terms(cited_joined)
        for start, end, name in spans:
            surface = line.text[start:end]
            if name in cited_skills or contains_phrase(cited_stems, surface):
                continue
            reasons.append(f"names the skill {surface!r}, which the cited profile text does not")

        for word in proper_nouns(line.text, skip=[(s, e) for s, e, _ in spans]):
            if not word_set(word) <= cited_words:
                reasons.append(f"names {word!r}, which the cited profile text does not")
        return reasons

    def _years_claim_holds(self, line: Line, number: str) -> bool:
        claims = {m.group(1) for m in _YEARS_CLAIM.finditer(line.text)}
        if number not in claims or self.today is None:
            return False
        if not any(re.fullmatch(r"/work/\d+/(startDate|endDate)", path) for path in line.paths):
            return False
        return int(number) <= years_of_experience(self.profile, today=self.today)


def _norm(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _is_part(part: str, whole: str) -> bool:
    """`part` occurs in `whole` starting and ending at word boundaries (a trailing full stop may be dropped)."""
    if not part:
        return False
    for match in re.finditer(re.escape(part), whole):
        before = whole[match.start() - 1] if match.start() else " "
        after = whole[match.end()] if match.end() < len(whole) else " "
        if not before.isalnum() and not after.isalnum():
            return True
    return False


# --- fallback -------------------------------------------------------------------------------------------------


def fallback_to_profile_words(
    profile: dict[str, Any], resume: TailoredResume, violations: list[Violation]
) -> TailoredResume:
    """`resume` with each rejected line replaced by what the profile says: a rephrased line by the profile's own
    text at the paths it cites (verbatim for one path, the texts joined for several); any other rejected line,
    which the deterministic tailoring never produces, is dropped (a rejected name becomes the profile's name)."""
    rejected = {v.line_text for v in violations}
    if not rejected:
        return resume

    def replace(line: Line) -> Line | None:
        if line.text not in rejected:
            return line
        if line.transform != "rephrased":
            return None
        paths = [p for p in line.paths if p and not p.startswith(JOB_PATH_PREFIX)]
        texts = [t for t in (text_at(profile, p) for p in paths) if t]
        if not texts or len(texts) != len(paths):
            return None
        if len(paths) == 1:
            return Line.verbatim(texts[0], paths[0])
        return Line.selected("; ".join(texts), paths)

    def entry(old: Entry) -> Entry:
        return Entry(
            heading=replace(old.heading) if old.heading else None,
            subheading=replace(old.subheading) if old.subheading else None,
            dates=replace(old.dates) if old.dates else None,
            bullets=[line for line in map(replace, old.bullets) if line is not None],
        )

    sections = [
        ResumeSection(kind=s.kind, title=s.title, entries=[entry(e) for e in s.entries]) for s in resume.sections
    ]
    name = replace(resume.name) or Line.verbatim(str((profile.get("basics") or {}).get("name") or ""), "/basics/name")
    contact = [line for line in map(replace, resume.contact) if line is not None]
    return resume.model_copy(update={"name": name, "contact": contact, "sections": sections})
