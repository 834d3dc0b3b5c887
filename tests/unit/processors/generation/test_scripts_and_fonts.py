"""Names and lines in any script reach the PDF drawn and in its text layer; what no font draws is reported."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from processors.generation.fonts import FALLBACK_FAMILIES, drawable, undrawable, without_emoji
from processors.generation.model import Entry, Line, ResumeSection, TailoredResume
from processors.generation.pipeline import prepare, render
from processors.generation.render_text import render_html
from processors.generation.render_typst import render_pdf
from streams.messages import JobRequirements

from .conftest import TODAY

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
                                reason="needs poppler-utils (pdftotext, pdffonts)")

# (script, name, a line in the same script, the font that must draw it)
SCRIPTS = [
    ("Chinese", "王晓明", "负责支付平台的后端开发", "NotoSansCJK"),
    ("Japanese", "山田太郎", "決済システムのバックエンド開発を担当", "NotoSansCJK"),
    ("Korean", "김민준", "결제 플랫폼 백엔드 개발", "NotoSansCJK"),
    ("Arabic", "محمد الأحمد", "مهندس برمجيات في الرياض", "Amiri"),
    ("Hebrew", "דוד כהן", "מהנדס תוכנה בתל אביב", "LibertinusSerif"),  # Libertinus has Hebrew
    ("Devanagari", "राहुल शर्मा", "भुगतान प्रणाली का विकास", "NotoSansDevanagari"),
    ("Thai", "สมชาย ใจดี", "วิศวกรซอฟต์แวร์ในกรุงเทพ", "NotoSansThai"),
    ("Greek", "Ελένη Παπαδοπούλου", "Μηχανικός λογισμικού στην Αθήνα", "LibertinusSerif"),
    ("Cyrillic", "Иван Петров", "Инженер-программист в Москве", "LibertinusSerif"),
    ("Tamil", "அருண் குமார்", "மென்பொருள் பொறியாளர்", "NotoSansTamil"),
]
RTL = {"Arabic", "Hebrew"}


def resume_for(name: str, line: str, *, summary: str = "Backend engineer.") -> TailoredResume:
    return TailoredResume(
        variant_id="scripts", strategy="experience_first", name=Line.verbatim(name, "/basics/name"),
        contact=[Line.verbatim("person@example.org", "/basics/email")],
        sections=[
            ResumeSection(kind="summary", title="Summary", entries=[
                Entry(bullets=[Line.verbatim(summary, "/basics/summary")])]),
            ResumeSection(kind="experience", title="Experience", entries=[Entry(
                heading=Line.verbatim("Engineer", "/work/0/position"), subheading=Line.verbatim(name, "/work/0/name"),
                bullets=[Line.verbatim(line, "/work/0/highlights/0")])]),
        ], pages=1)


def pdf_tool(tool: str, pdf: bytes, tmp_path: Path, *args: str) -> str:
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    return subprocess.run([tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])], check=True,
                          capture_output=True, text=True).stdout


@pytest.mark.parametrize(("script", "name", "line", "font"), SCRIPTS, ids=[s[0] for s in SCRIPTS])
@pytest.mark.parametrize("template", ["classic", "compact"])
def test_every_major_script_is_drawn_and_kept_in_the_text_layer(script, name, line, font, template, tmp_path):
    pdf = render_pdf(resume_for(name, line), template=template)

    text = pdf_tool("pdftotext", pdf, tmp_path, "-enc", "UTF-8")
    fonts = pdf_tool("pdffonts", pdf, tmp_path)
    assert undrawable([("/basics/name", name), ("/work/0/highlights/0", line)]) == []
    if script in RTL:  # poppler orders right-to-left runs its own way: every character and the name's words are there
        assert set(name + line) - {" "} <= set(text)
        assert all(word in text for word in name.split())
        assert all(word in text for word in line.split()[:2])
    else:
        assert name in text and line in text
    if template == "classic" or not font.startswith("Libertinus"):
        assert font in fonts
    assert "DejaVuSansMono" not in fonts  # never the monospaced fallback


def test_wang_xiaoming_keeps_every_character_in_the_text_layer(tmp_path: Path) -> None:
    pdf = render_pdf(resume_for("王晓明", "负责支付平台的后端开发"), template="classic")

    text = pdf_tool("pdftotext", pdf, tmp_path, "-enc", "UTF-8")
    assert text.split("\n")[0].strip() == "王晓明"
    assert text.count("王晓明") == 2  # the name and the employer line


def test_emoji_are_drawn_as_text(tmp_path: Path) -> None:
    pdf = render_pdf(resume_for("Ada Park", "Shipped the launch 🚀 and fixed the build ✅"), template="classic")

    assert "🚀" in pdf_tool("pdftotext", pdf, tmp_path, "-enc", "UTF-8")
    assert "NotoEmoji" in pdf_tool("pdffonts", pdf, tmp_path)
    assert undrawable([("/x", "🚀 ✅ 👩‍💻 🇩🇪")]) == []


def test_an_emoji_no_font_draws_is_left_out_of_the_pdf_with_a_note(tmp_path: Path) -> None:
    profile = {"basics": {"name": "Ada Park", "label": "Engineer", "summary": "Tired but shipping 🫩 every week"},
               "work": [{"name": "Tidewater", "position": "Engineer", "startDate": "2021-03",
                         "highlights": ["Moved batch jobs to Kafka 🫩"]}]}
    job = JobRequirements(title="Engineer", company="X")

    generated = render(prepare(profile, job, today=TODAY), job=job, profile=profile, today=TODAY)

    variant = generated.variants[0]
    assert variant.report.dropped_emoji == ["'🫩' (U+1FAE9) in /basics/summary",
                                            "'🫩' (U+1FAE9) in /work/0/highlights/0"]
    assert variant.report.notes()[-1].startswith("emoji no font draws, left out of the PDF (kept in HTML and Markdown)")
    text = pdf_tool("pdftotext", variant.pdf, tmp_path, "-enc", "UTF-8")
    assert "Tired but shipping every week" in " ".join(text.split()) and "🫩" not in text
    assert "🫩" in variant.html and "🫩" in variant.markdown


@pytest.mark.parametrize(("script", "text"), [
    ("Ol Chiki", "ᱚᱞ ᱪᱤᱠᱤ"), ("Tibetan", "བོད་ཡིག"), ("Cherokee", "ᏣᎳᎩ"), ("Mongolian", "ᠮᠣᠩᠭᠣᠯ"),
])
def test_a_script_no_font_draws_is_named_in_the_render_report(script: str, text: str) -> None:
    profile = {"basics": {"name": "Ada Park", "summary": f"Writes {script}: {text}"}}
    job = JobRequirements(title="Engineer", company="X")

    generated = render(prepare(profile, job, today=TODAY), job=job, profile=profile, today=TODAY)

    report = generated.variants[0].report
    expected = [char for char in dict.fromkeys(text) if not char.isspace() and ord(char) not in drawable()]
    assert expected  # the sample really is outside the fonts
    assert [item.split("'")[1] for item in report.undrawable] == expected
    assert all(item.endswith("in /basics/summary") for item in report.undrawable)
    if script == "Ol Chiki":
        assert report.undrawable[0] == "'ᱚ' (U+1C5A OL CHIKI LETTER LA) in /basics/summary"
    assert any(note.startswith("cannot be drawn by the fonts, shown as a box: ") for note in report.notes())


def test_the_fallback_chain_is_fixed_and_covers_the_scripts_the_issue_names() -> None:
    assert FALLBACK_FAMILIES[0] == "Noto Sans" and FALLBACK_FAMILIES[-1] == "Noto Emoji"
    for sample in ("王晓明", "محمد", "דוד", "राहुल", "สมชาย", "Ελένη", "Иван", "김민준", "やまだ"):
        assert all(ord(char) in drawable() for char in sample), sample


def test_without_emoji_takes_the_joiners_and_skin_tones_with_it() -> None:
    assert without_emoji("a 🫩\ufe0f b 👩\u200d🫩 c 🫩🏽 d", {"🫩"}) == "a  b 👩 c  d"
    assert without_emoji("nothing to drop 🚀", {"🫩"}) == "nothing to drop 🚀"


@pytest.mark.parametrize("template", ["classic", "compact"])
def test_every_script_renders_to_the_same_bytes_twice(template: str) -> None:
    names = " ".join(name for _, name, _, _ in SCRIPTS)
    lines = " ".join(line for *_, line, _ in SCRIPTS)

    first = render_pdf(resume_for(names, lines, summary="🚀 ✅"), template=template)

    assert render_pdf(resume_for(names, lines, summary="🚀 ✅"), template=template) == first
    assert render_html(resume_for(names, lines), template=template).count("王晓明") == 3  # title, name, employer
