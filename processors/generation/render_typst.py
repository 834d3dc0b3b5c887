"""PDF rendering of a tailored résumé (and cover letter) with Typst.

Why the data goes in through `sys_inputs`: résumé text comes from users and job postings, and Typst markup is a
programming language (`#read(...)`, `#include`, `#set page(...)`). Interpolating text into markup would let it
read files or change the layout. Instead the templates in `templates/` are fixed source files, and everything
variable is one JSON string in `sys.inputs`, decoded by the template and placed as string *values*, which Typst
displays literally. The compile root is the templates directory (nothing but `.typ` files), system fonts are
ignored (only the fonts embedded in the typst package are used, so output does not depend on the machine) and
the templates set `document(date: none)`, so the same input gives byte-identical PDFs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import typst

from processors.generation.model import CoverLetter, Entry, Line, TailoredResume, Template

Paper = Literal["us-letter", "a4"]

TEMPLATES_DIR = Path(__file__).parent / "templates"
_RESUME_TEMPLATES: dict[Template, Path] = {
    "classic": TEMPLATES_DIR / "classic.typ",
    "compact": TEMPLATES_DIR / "compact.typ",
}
_LETTER_TEMPLATE = TEMPLATES_DIR / "letter.typ"
# The fonts typst embeds (no system fonts): Libertinus Serif, New Computer Modern, DejaVu Sans Mono.
_LETTER_FONTS: dict[Template, str] = {"classic": "Libertinus Serif", "compact": "New Computer Modern"}


class RenderError(Exception):
    """A template failed to compile: an internal error (the data cannot cause markup errors), not the user's."""


def resume_payload(resume: TailoredResume, *, paper: Paper = "us-letter") -> dict[str, Any]:
    """The template's view of a résumé: display strings only (provenance stays out of the document)."""
    return {
        "paper": paper,
        "name": resume.name.text,
        "contact": [line.text for line in resume.contact],
        "sections": [
            {"kind": section.kind, "title": section.title, "entries": [_entry(e) for e in section.entries]}
            for section in resume.sections
        ],
    }


def render_pdf(resume: TailoredResume, *, template: Template, paper: Paper = "us-letter") -> bytes:
    """The résumé as a PDF with a real, tagged text layer; deterministic for the same input."""
    return _compile(_RESUME_TEMPLATES[template], {"resume": json.dumps(resume_payload(resume, paper=paper))})


def render_cover_letter_pdf(
    letter: CoverLetter,
    *,
    name: Line,
    contact: Sequence[Line] = (),
    template: Template = "classic",
    paper: Paper = "us-letter",
) -> bytes:
    """The cover letter as a PDF in the font of the matching résumé template."""
    payload = {
        "paper": paper,
        "font": _LETTER_FONTS[template],
        "name": name.text,
        "contact": [line.text for line in contact],
        "paragraphs": [p.text for p in letter.paragraphs],
    }
    return _compile(_LETTER_TEMPLATE, {"letter": json.dumps(payload)})


def _entry(entry: Entry) -> dict[str, Any]:
    return {
        "heading": _text(entry.heading),
        "subheading": _text(entry.subheading),
        "dates": _text(entry.dates),
        "bullets": [b.text for b in entry.bullets],
    }


def _text(line: Line | None) -> str | None:
    return None if line is None else line.text


def _compile(template: Path, sys_inputs: dict[str, str]) -> bytes:
    try:
        # A fresh compile per call (≈2-3 ms for a résumé) rather than a shared `typst.Compiler`: no module state,
        # safe to call from worker threads. `root` confines file access to the templates directory.
        pdf = typst.compile(template, root=TEMPLATES_DIR, ignore_system_fonts=True, format="pdf",
                            sys_inputs=sys_inputs)
    except typst.TypstError as exc:
        raise RenderError(f"{template.name}: {exc.message}") from exc
    if not isinstance(pdf, bytes):  # a list only for multi-file outputs (png/svg per page)
        raise RenderError(f"{template.name}: typst returned {type(pdf).__name__}, not PDF bytes")
    return pdf
