"""PDF rendering of a tailored résumé (and cover letter) with Typst, and the layout measurements fitting uses.

Why the data goes in through `sys_inputs`: résumé text comes from users and job postings, and Typst markup is a
programming language (`#read(...)`, `#include`, `#set page(...)`). Interpolating text into markup would let it
read files or change the layout. Instead the templates in `templates/` are fixed source files, and everything
variable is one JSON string in `sys.inputs`, decoded by the template and placed as string *values*, which Typst
displays literally. The compile root is the templates directory (nothing but `.typ` files), the machine's fonts
are ignored (only the fonts embedded in typst and the packaged Noto fonts of `fonts.py`, so output does not depend
on the machine) and the templates set `document(date: none)`, so the same input gives byte-identical PDFs.

Measuring: the templates put an invisible mark at the start of every section, entry and line, and report where
each landed (`<rf-layout>`). `measure` compiles with the page as long as the content (every height additive) or
on the real paper (how many pages, how far down the last one the content ends); `fitting.py` decides from that.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import typst

from processors.generation.fonts import FALLBACK_FAMILIES, typst_fonts, without_emoji
from processors.generation.model import CoverLetter, Entry, Line, TailoredResume, Template

Paper = Literal["us-letter", "a4"]

TEMPLATES_DIR = Path(__file__).parent / "templates"
_RESUME_TEMPLATES: dict[Template, Path] = {
    "classic": TEMPLATES_DIR / "classic.typ",
    "compact": TEMPLATES_DIR / "compact.typ",
}
_LETTER_TEMPLATE = TEMPLATES_DIR / "letter.typ"
# The templates' Latin fonts, embedded in typst; the Noto chain of `fonts.py` follows them.
_LETTER_FONTS: dict[Template, str] = {"classic": "Libertinus Serif", "compact": "New Computer Modern"}
PAPER_HEIGHT_PT: dict[Paper, float] = {"us-letter": 792.0, "a4": 841.89}

MarkId = tuple[int, ...] | str  # (section,), (section, entry), (section, entry, line), or "end"


class RenderError(Exception):
    """A template failed to compile: an internal error (the data cannot cause markup errors), not the user's."""


def resume_payload(resume: TailoredResume, *, paper: Paper = "us-letter", measure: bool = False,
                   drop: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The template's view of a résumé: display strings only (provenance stays out of the document). `drop`:
    characters to leave out of the PDF (emoji no font draws, see `fonts.undrawable`)."""
    def text(value: str) -> str:
        return without_emoji(value, set(drop))

    def entry(e: Entry) -> dict[str, Any]:
        return {"heading": _text(e.heading, text), "subheading": _text(e.subheading, text),
                "dates": _text(e.dates, text), "bullets": [text(b.text) for b in e.bullets]}

    return {
        "paper": paper,
        "measure": measure,
        "fonts": list(FALLBACK_FAMILIES),
        "name": text(resume.name.text),
        "contact": [text(line.text) for line in resume.contact],
        "sections": [
            {"kind": section.kind, "title": section.title, "entries": [entry(e) for e in section.entries]}
            for section in resume.sections
        ],
    }


def render_pdf(resume: TailoredResume, *, template: Template, paper: Paper = "us-letter",
               drop: frozenset[str] = frozenset()) -> bytes:
    """The résumé as a PDF with a real, tagged text layer; deterministic for the same input."""
    return _compile(_RESUME_TEMPLATES[template], {"resume": json.dumps(resume_payload(resume, paper=paper,
                                                                                        drop=drop))})


@dataclass(frozen=True)
class Layout:
    """Where the marks of one compile landed: `marks[id] = (page, y in pt from the page's top)`."""

    marks: dict[MarkId, tuple[int, float]]
    margin: float  # the template's top and bottom margin, pt
    paper_height: float  # pt

    @property
    def pages(self) -> int:
        return self.marks["end"][0]

    @property
    def content_height(self) -> float:
        """The height a page gives the content."""
        return self.paper_height - 2 * self.margin

    @property
    def end(self) -> float:
        """How far down its page the content ends (pt from the page's top)."""
        return self.marks["end"][1]

    @property
    def blank(self) -> float:
        """The blank height left at the foot of the last page."""
        return self.paper_height - self.margin - self.end


def measure(resume: TailoredResume, *, template: Template, paper: Paper = "us-letter", endless: bool = False,
            drop: frozenset[str] = frozenset()) -> Layout:
    """Compile `resume` and report where each mark landed. `endless`: one page as long as the content, so the
    distance between two marks is the height of what lies between them wherever it would fall on paper."""
    payload = json.dumps(resume_payload(resume, paper=paper, measure=endless, drop=drop))
    try:
        compiler = typst.Compiler(_RESUME_TEMPLATES[template], root=str(TEMPLATES_DIR), font_paths=typst_fonts(),
                                  ignore_system_fonts=True, sys_inputs={"resume": payload})
        raw = json.loads(compiler.query("<rf-layout>", field="value", one=True))
    except typst.TypstError as exc:
        raise RenderError(f"{template}: {exc.message}") from exc
    marks: dict[MarkId, tuple[int, float]] = {}
    for mark in raw["marks"]:
        key = mark["id"] if isinstance(mark["id"], str) else tuple(mark["id"])
        marks[key] = (int(mark["page"]), float(mark["y"]))
    return Layout(marks=marks, margin=float(raw["margin"]), paper_height=PAPER_HEIGHT_PT[paper])


def render_cover_letter_pdf(
    letter: CoverLetter,
    *,
    name: Line,
    contact: Sequence[Line] = (),
    template: Template = "classic",
    paper: Paper = "us-letter",
    drop: frozenset[str] = frozenset(),
) -> bytes:
    """The cover letter as a PDF in the font of the matching résumé template."""
    def text(value: str) -> str:
        return without_emoji(value, set(drop))

    payload = {
        "paper": paper,
        "font": _LETTER_FONTS[template],
        "fonts": list(FALLBACK_FAMILIES),
        "name": text(name.text),
        "contact": [text(line.text) for line in contact],
        "paragraphs": [text(p.text) for p in letter.paragraphs],
    }
    return _compile(_LETTER_TEMPLATE, {"letter": json.dumps(payload)})


def _text(line: Line | None, text: Any) -> str | None:
    return None if line is None else text(line.text)


def _compile(template: Path, sys_inputs: dict[str, str]) -> bytes:
    try:
        # A compiler per call (no module state, safe from worker threads), sharing the loaded fonts. `root`
        # confines file access to the templates directory.
        compiler = typst.Compiler(template, root=str(TEMPLATES_DIR), font_paths=typst_fonts(),
                                  ignore_system_fonts=True, sys_inputs=sys_inputs)
        pdf = compiler.compile(format="pdf")
    except typst.TypstError as exc:
        raise RenderError(f"{template.name}: {exc.message}") from exc
    if not isinstance(pdf, bytes):  # a list only for multi-file outputs (png/svg per page)
        raise RenderError(f"{template.name}: typst returned {type(pdf).__name__}, not PDF bytes")
    return pdf
