"""The tailored resume as a document: every line a reader can see, with its provenance. Generation writes it (as a
JSON artifact beside the PDF) and the query API reads it back to show each line's source; it is that contract.

Every line is a `Line` carrying the JSON pointers into the profile its facts came from and how the text was made
from them. Section titles are fixed template text (no facts), so they stay plain strings. Paths starting with
`job:` point into the job's `JobRequirements` instead (a cover letter names the company it writes to); every
other non-empty path is an RFC 6901 pointer into the profile.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Transform = Literal["verbatim", "selected", "rephrased", "template"]
Strategy = Literal["skills_first", "experience_first", "projects_first"]
SectionKind = Literal[
    "summary", "experience", "projects", "skills", "education",
    # The other sections of JSON Resume, rendered when relevant (they are facts an ATS looks for too).
    "certificates", "languages", "awards", "publications", "volunteer", "interests", "references",
]
STRATEGIES: tuple[Strategy, ...] = ("skills_first", "experience_first", "projects_first")
JOB_PATH_PREFIX = "job:"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Provenance(_Model):
    """`path` is a JSON pointer into the profile ("/work/0/highlights/1"), "" for pure template text, or
    "job:/company" for a fact taken from the job. `transform` says how the line's text was made:

    - verbatim: the text at `path`, unchanged;
    - selected: a contiguous part of the text at `path`, or the texts of several paths joined by separators;
    - rephrased: a rewrite (an LLM's) whose facts must all be in the cited texts;
    - template: fixed template words around fact slots, each slot from a cited path.
    """

    path: str
    transform: Transform


class Line(_Model):
    text: str
    provenance: Annotated[list[Provenance], Field(min_length=1)]

    @property
    def transform(self) -> Transform:
        return self.provenance[0].transform

    @property
    def paths(self) -> list[str]:
        return [p.path for p in self.provenance]

    @classmethod
    def verbatim(cls, text: str, path: str) -> Line:
        return cls(text=text, provenance=[Provenance(path=path, transform="verbatim")])

    @classmethod
    def selected(cls, text: str, paths: list[str]) -> Line:
        return cls(text=text, provenance=[Provenance(path=p, transform="selected") for p in paths])

    @classmethod
    def template(cls, text: str, paths: list[str] | None = None) -> Line:
        return cls(text=text, provenance=[Provenance(path=p, transform="template") for p in (paths or [""])])


class Entry(_Model):
    heading: Line | None = None
    subheading: Line | None = None
    dates: Line | None = None
    bullets: list[Line] = []

    def lines(self) -> Iterator[Line]:
        yield from (line for line in (self.heading, self.subheading, self.dates) if line is not None)
        yield from self.bullets


class ResumeSection(_Model):
    kind: SectionKind
    title: str
    entries: list[Entry]

    def lines(self) -> Iterator[Line]:
        for entry in self.entries:
            yield from entry.lines()


class TailoredResume(_Model):
    variant_id: str
    strategy: Strategy
    name: Line
    contact: list[Line]
    sections: list[ResumeSection]
    pages: Literal[1, 2]

    def lines(self) -> Iterator[Line]:
        """Every line with facts, in reading order (section titles are template text and left out)."""
        yield self.name
        yield from self.contact
        for section in self.sections:
            yield from section.lines()

    def plain_text(self) -> str:
        """The resume as an ATS reads it: titles and lines, one per row."""
        rows = [self.name.text, *(line.text for line in self.contact)]
        for section in self.sections:
            rows.append(section.title)
            rows += [line.text for line in section.lines()]
        return "\n".join(rows)

    def section(self, kind: SectionKind) -> ResumeSection | None:
        return next((s for s in self.sections if s.kind == kind), None)


