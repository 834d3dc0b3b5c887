"""Honest one-page fitting on the measured Typst layout: the page is filled, every employer stays at least as a
heading line, what is left out is reported, and the summary's years stay true to the employers shown."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from processors.generation.fitting import fit
from processors.generation.model import TailoredResume
from processors.generation.render_typst import measure, render_pdf
from processors.generation.tailoring import tailor
from processors.generation.truthfulness import verify
from streams.messages import JobRequirements, RequiredSkill
from textkit.jsonresume import years_of_experience

from .conftest import ROOT

TODAY = date(2025, 6, 1)
JOB = JobRequirements(title="Staff Backend Engineer", company="Odra Bank", skills=[
    RequiredSkill(name="Kafka"), RequiredSkill(name="Python"), RequiredSkill(name="PostgreSQL"),
    RequiredSkill(name="Kubernetes", required=False)])
VARIANTS = [("experience_first", "compact"), ("skills_first", "classic"), ("projects_first", "classic")]
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


@pytest.fixture(scope="module")
def marta() -> dict[str, Any]:
    """Five employers over sixteen years, thirty long lines: far more than one page."""
    return json.loads((ROOT / "tests/fixtures/profiles/long_career.json").read_text(encoding="utf-8"))


def lines_of(resume: TailoredResume) -> list[str]:
    return [b.text for s in resume.sections if s.kind == "experience" for e in s.entries for b in e.bullets]


def employers_of(resume: TailoredResume) -> list[str]:
    return [e.subheading.text for s in resume.sections if s.kind == "experience" for e in s.entries
            if e.subheading is not None]


def pdf_words(pdf: bytes, tmp_path: Path) -> tuple[str, float, float]:
    """The text layer, and how far down the page (0..1) the lowest word ends, measured by poppler."""
    path = tmp_path / "fit.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    bbox = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True).stdout
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', bbox).group(1))  # type: ignore[union-attr]
    lowest = max(float(y) for y in re.findall(r'yMax="([\d.]+)"', bbox))
    return " ".join(text.split()), lowest / height, height


@pytest.mark.parametrize(("strategy", "template"), VARIANTS)
def test_the_one_page_variant_keeps_every_employer_and_fills_the_page(marta, strategy, template, tmp_path) -> None:
    resume = tailor(marta, JOB, strategy=strategy, today=TODAY)
    assert len(lines_of(resume)) == 30

    fitted = fit(resume, template=template, job=JOB, profile=marta, today=TODAY)

    kept = fitted.resume
    assert employers_of(kept) == ["Vistula Payments", "Baltic Freight Systems", "Wawel Analytics", "Rynek Online",
                                  "Politechnika Krakowska IT Centre"]
    assert fitted.report.pages == 1 and fitted.report.left_out_employers == []
    assert 12 <= len(lines_of(kept)) < 30  # the fitting kept 4 of 30 with half the page blank
    assert fitted.report.fill >= 0.9
    text, lowest, _ = pdf_words(render_pdf(kept, template=template), tmp_path)
    assert lowest >= 0.85  # poppler agrees: the page is filled to its foot margin
    for employer in employers_of(kept):
        assert employer in text
    assert verify(marta, kept, job=JOB, today=TODAY) == []


@pytest.mark.parametrize(("strategy", "template"), VARIANTS[:2])
def test_no_left_out_line_would_still_fit(marta, strategy, template) -> None:
    resume = tailor(marta, JOB, strategy=strategy, today=TODAY)
    fitted = fit(resume, template=template, job=JOB, profile=marta, today=TODAY)
    kept = set(lines_of(fitted.resume))

    experience = next(i for i, s in enumerate(fitted.resume.sections) if s.kind == "experience")
    full = next(s for s in resume.sections if s.kind == "experience")
    for ei, entry in enumerate(full.entries):
        for line in entry.bullets:
            if line.text in kept:
                continue
            sections = list(fitted.resume.sections)
            shown = sections[experience].entries[ei]
            sections[experience] = sections[experience].model_copy(update={"entries": [
                *sections[experience].entries[:ei], shown.model_copy(update={"bullets": [*shown.bullets, line]}),
                *sections[experience].entries[ei + 1:]]})
            more = fitted.resume.model_copy(update={"sections": sections})
            assert measure(more, template=template).pages == 2, line.text


def test_the_report_says_which_employers_were_shortened_and_what_was_left_out(marta) -> None:
    resume = tailor(marta, JOB, strategy="skills_first", today=TODAY)

    fitted = fit(resume, template="classic", job=JOB, profile=marta, today=TODAY)

    experience = fitted.resume.section("experience")
    assert experience is not None
    headings_only = [f"{e.heading.text}, {e.subheading.text} ({e.dates.text})"  # type: ignore[union-attr]
                     for e in experience.entries if not e.bullets]
    assert headings_only and fitted.report.shortened == headings_only
    assert fitted.report.shortened[-1] == "Junior Developer, Politechnika Krakowska IT Centre (2009-09 – 2011-05)"
    left = 30 - len(lines_of(fitted.resume))
    assert f"left out to fit one page: {left} of 30 experience lines" in fitted.report.notes()
    assert ("Junior Developer, Politechnika Krakowska IT Centre (2009-09 – 2011-05): shortened to its heading line "
            "to fit one page") in fitted.report.notes()


def test_the_summary_years_are_those_of_the_employers_shown(marta) -> None:
    resume = tailor(marta, JOB, strategy="experience_first", today=TODAY)

    fitted = fit(resume, template="compact", job=JOB, profile=marta, today=TODAY)

    summary = fitted.resume.section("summary").entries[0].bullets[0].text  # type: ignore[union-attr]
    assert summary.startswith("Staff Software Engineer with 15+ years of experience")
    assert years_of_experience(marta, today=TODAY) == 15.8  # 2009-09 to 2025-06, and every employer is shown


def many_employers(count: int) -> dict[str, Any]:
    """A career of `count` one-year contracts, newest last: not even their heading lines fit one page."""
    return {
        "basics": {"name": "Kim Contractor", "label": "Freelance Developer"},
        "work": [{"name": f"Client {n:02d}", "position": "Contract Developer", "startDate": f"{1975 + n}-01",
                  "endDate": f"{1975 + n}-12", "highlights": [f"Delivered release {n} of the booking system"]}
                 for n in range(count)],
        "skills": [{"name": "Backend", "keywords": ["Python"]}],
    }


def test_an_employer_is_left_out_only_when_not_even_its_heading_fits_and_the_summary_says_less(tmp_path) -> None:
    profile = many_employers(50)
    job = JobRequirements(title="Developer", company="X", skills=[RequiredSkill(name="Python")])
    resume = tailor(profile, job, strategy="experience_first", today=TODAY)
    assert resume.section("summary").entries[0].bullets[0].text.startswith(  # type: ignore[union-attr]
        "Freelance Developer with 50+ years")

    fitted = fit(resume, template="classic", job=job, profile=profile, today=TODAY)

    shown = employers_of(fitted.resume) or [e.heading.text for e in fitted.resume.section("experience").entries]  # type: ignore[union-attr, misc]
    left_out = fitted.report.left_out_employers
    assert fitted.report.pages == 1 and left_out and len(shown) + len(left_out) == 50
    assert left_out[0] == "Contract Developer, Client 00 (1975-01 – 1975-12)"  # the oldest goes first
    summary = fitted.resume.section("summary").entries[0].bullets[0]  # type: ignore[union-attr]
    assert summary.text.startswith(f"Freelance Developer with {len(shown)}+ years")
    assert fitted.report.summary is not None and "counting only the employers shown" in fitted.report.summary
    assert any(note.endswith("left out, not even its heading line fits one page") for note in fitted.report.notes())
    assert verify(profile, fitted.resume, job=job, today=TODAY) == []


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(employers=st.integers(1, 7), lines=st.integers(0, 7), words=st.integers(4, 45),
       template=st.sampled_from(["classic", "compact"]))
def test_fitting_never_overflows_and_never_drops_an_employer_silently(employers, lines, words, template) -> None:
    profile = copy.deepcopy(many_employers(employers))
    for n, job in enumerate(profile["work"]):
        job["highlights"] = [" ".join(["Built", "Python", "services", *[f"part{k}" for k in range(words)]]) + f" {i}"
                             for i in range(lines)] if lines else []
        job["name"] = f"Employer {n}"
    job = JobRequirements(title="Developer", company="X", skills=[RequiredSkill(name="Python")])
    resume = tailor(profile, job, strategy="experience_first", today=TODAY)

    fitted = fit(resume, template=template, job=job, profile=profile, today=TODAY)

    report = fitted.report
    assert report.pages == 1
    shown = [e for s in fitted.resume.sections if s.kind == "experience" for e in s.entries]
    assert len(shown) + len(report.left_out_employers) == employers
    with_lines_candidates = lines > 0
    assert len(report.shortened) == sum(1 for e in shown if not e.bullets and with_lines_candidates)
    if report.fill < 0.8:  # room left only when nothing was left out
        assert sum(len(e.bullets) for e in shown) == employers * min(lines, 10) and not report.left_out
