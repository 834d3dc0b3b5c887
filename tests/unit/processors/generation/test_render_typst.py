"""Résumé PDFs: real text in reading order, one page, deterministic, and hostile text rendered literally."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest
import typst

from processors.generation.model import (
    CoverLetter,
    Entry,
    Line,
    Provenance,
    ResumeSection,
    TailoredResume,
)
from processors.generation.render_typst import TEMPLATES_DIR, render_cover_letter_pdf, render_pdf

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
                                reason="needs poppler-utils (pdftotext, pdfinfo)")

TEMPLATES = ["classic", "compact"]

# Typst markup and code that must come out as the same characters, never be evaluated.
HOSTILE = [
    '#read("/etc/passwd")',
    '#include "x.typ"',
    "#set page(width: 1pt)",
    "#set text(size: 80pt)",
    '#eval("1 + 1")',
    '#import "@preview/cetz:0.3.0"',
    "= Heading",
    "<label>",
    "@ref",
    "`raw code`",
    "] [ unbalanced ]]",
    "$x^2$ *bold* _italic_ \\ back",
    "#pagebreak()",
]


def line(text: str, path: str = "/work/0/highlights/0") -> Line:
    return Line(text=text, provenance=[Provenance(path=path, transform="verbatim")])


def entry(heading: str | None, bullets: list[str], *, sub: str | None = None, dates: str | None = None) -> Entry:
    return Entry(heading=None if heading is None else line(heading), subheading=None if sub is None else line(sub),
                 dates=None if dates is None else line(dates), bullets=[line(b) for b in bullets])


def sample_resume(*, extra_bullets: Sequence[str] = ()) -> TailoredResume:
    """A hand-made one-page résumé (independent of the tailoring code)."""
    return TailoredResume(
        variant_id="v-test",
        strategy="experience_first",
        name=line("Ada Lovelace", "/basics/name"),
        contact=[line("ada@example.org"), line("+44 20 7946 0000"), line("London, UK")],
        sections=[
            ResumeSection(kind="summary", title="Summary", entries=[
                entry(None, ["Backend engineer building event-driven data pipelines."])]),
            ResumeSection(kind="experience", title="Experience", entries=[
                entry("Analytical Engines Ltd", [
                    "Designed the Kafka stream processors for order matching.",
                    "Cut p95 latency from 800 ms to 120 ms.",
                    *extra_bullets,
                ], sub="Senior Engineer", dates="2021 - Present"),
                entry("Difference Works", ["Maintained the billing service in Python."], sub="Engineer",
                      dates="2018 - 2021"),
            ]),
            ResumeSection(kind="skills", title="Skills", entries=[
                entry("Languages", ["Python", "Go", "SQL"])]),
            ResumeSection(kind="education", title="Education", entries=[
                entry("University of London", ["First-class honours."], sub="BSc Mathematics", dates="2014 - 2018")]),
        ],
        pages=1,
    )


def hostile_resume() -> TailoredResume:
    base = sample_resume(extra_bullets=HOSTILE)
    return base.model_copy(update={
        "name": line("Ada #Lovelace *Jr* _x_"),
        "contact": [*base.contact, line("#read(\"/etc/hostname\") <mail@x>")],
    })


def pdf_text(pdf: bytes, tmp_path: Path, *, layout: bool) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    args = ["pdftotext", *(["-layout"] if layout else []), "-enc", "UTF-8", str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def pdf_info(pdf: bytes, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "info.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return {k.strip(): v.strip() for k, _, v in (row.partition(":") for row in out.splitlines())}


def flat(text: str) -> str:
    return " ".join(text.split())


def in_order(text: str, needles: list[str]) -> bool:
    positions = [text.find(n) for n in needles]
    return -1 not in positions and positions == sorted(positions)


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("layout", [True, False])
def test_the_text_layer_has_the_name_headings_and_bullets_in_reading_order(template, layout, tmp_path):
    text = flat(pdf_text(render_pdf(sample_resume(), template=template), tmp_path, layout=layout))

    assert "Ada Lovelace" in text
    assert "ada@example.org" in text
    assert in_order(text, ["Summary", "Experience", "Skills", "Education"])
    assert in_order(text, [
        "Backend engineer building event-driven data pipelines.",
        "Analytical Engines Ltd",
        "Designed the Kafka stream processors for order matching.",
        "Cut p95 latency from 800 ms to 120 ms.",
        "Difference Works",
        "Maintained the billing service in Python.",
        "Python, Go, SQL",
        "BSc Mathematics",
    ])


@pytest.mark.parametrize("template", TEMPLATES)
def test_a_one_page_resume_is_one_page(template, tmp_path):
    info = pdf_info(render_pdf(sample_resume(), template=template), tmp_path)

    assert info["Pages"] == "1"
    assert info["Page size"].startswith("612 x 792")  # US letter
    assert info["Tagged"] == "yes"


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("layout", [True, False])
def test_typst_markup_in_user_text_is_shown_literally_and_never_evaluated(template, layout, tmp_path):
    text = flat(pdf_text(render_pdf(hostile_resume(), template=template), tmp_path, layout=layout))

    for hostile in [*HOSTILE, "Ada #Lovelace *Jr* _x_", '#read("/etc/hostname") <mail@x>']:
        assert hostile in text, hostile
    assert "root:x:0:0" not in text  # /etc/passwd was not read


@pytest.mark.parametrize("template", TEMPLATES)
def test_markup_in_user_text_cannot_change_the_layout(template, tmp_path):
    info = pdf_info(render_pdf(hostile_resume(), template=template), tmp_path)

    assert info["Pages"] == "1"  # neither `#set page(width: 1pt)` nor `#pagebreak()` took effect
    assert info["Page size"].startswith("612 x 792")


@pytest.mark.parametrize("template", TEMPLATES)
def test_the_same_resume_renders_to_the_same_bytes(template):
    first = render_pdf(sample_resume(), template=template)

    assert render_pdf(sample_resume(), template=template) == first
    assert b"/CreationDate" not in first  # no timestamp embedded


def test_the_templates_differ():
    assert render_pdf(sample_resume(), template="classic") != render_pdf(sample_resume(), template="compact")


def test_the_compile_root_holds_only_templates_and_confines_file_reads():
    assert {p.suffix for p in TEMPLATES_DIR.iterdir()} == {".typ"}
    # Defence in depth: even markup that does try to read outside the root is refused by typst.
    with pytest.raises(typst.TypstError):
        typst.compile(b'#read("/etc/passwd")', root=TEMPLATES_DIR, ignore_system_fonts=True, format="pdf")


def test_a4_paper_is_available(tmp_path):
    info = pdf_info(render_pdf(sample_resume(), template="classic", paper="a4"), tmp_path)

    assert info["Page size"].startswith("595.276 x 841.89")


@pytest.mark.parametrize("template", TEMPLATES)
def test_a_cover_letter_renders_its_paragraphs_literally(template, tmp_path):
    letter = CoverLetter(paragraphs=[line("Dear hiring team,"), line('I read #read("/etc/passwd") *twice*.'),
                                     line("Kind regards,")])
    pdf = render_cover_letter_pdf(letter, name=line("Ada Lovelace"), contact=[line("ada@example.org")],
                                  template=template)
    text = flat(pdf_text(pdf, tmp_path, layout=False))

    assert in_order(text, ["Ada Lovelace", "ada@example.org", "Dear hiring team,",
                           'I read #read("/etc/passwd") *twice*.', "Kind regards,"])
    assert "root:x:0:0" not in text
