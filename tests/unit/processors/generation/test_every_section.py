"""Every JSON Resume section reaches the tailored resume when relevant, with provenance, in the ATS check."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cli.job_file import job_from_file
from processors.generation.ats import ats_score
from processors.generation.facts import profile_text
from processors.generation.pipeline import prepare, render
from processors.generation.tailoring import SECTION_ORDER, tailor
from processors.generation.truthfulness import verify
from streams.messages import JobRequirements

from .conftest import ROOT

TODAY = date(2026, 11, 30)
OTHER_SECTIONS = ["certificates", "languages", "publications", "awards", "volunteer", "interests"]


@pytest.fixture
def lena() -> dict[str, Any]:
    return json.loads((ROOT / "tests/fixtures/profiles/lena_every_section.json").read_text(encoding="utf-8"))


@pytest.fixture
def munich() -> tuple[JobRequirements, str]:
    """A posting that asks for an AWS certification and German at C1, read by the offline extractor."""
    return job_from_file(ROOT / "tests/fixtures/jobs/cloud_engineer_munich.txt")


def test_the_aws_and_german_posting_scores_the_same_after_tailoring_as_before(lena, munich) -> None:
    job, text = munich

    generated = render(prepare(lena, job, job_text=text, today=TODAY), job=job, job_text=text, profile=lena,
                       today=TODAY)

    for variant in generated.variants:
        # The figures follow the shipped span model's reading of the posting (12 requirements, "automate
        # infrastructure" among them, which Lena's profile never words that way).
        assert variant.ats.before.score == 0.8636
        assert variant.ats.after.score == 0.8636  # 0.7727 with only summary, experience, skills, education
        assert {"AWS", "German"} <= set(variant.ats.after.required_found)
        kinds = [section.kind for section in variant.resume.sections]
        assert [kind for kind in kinds if kind in OTHER_SECTIONS] == OTHER_SECTIONS
        assert "references" not in kinds  # the posting does not ask for references
    five = [s for s in generated.variants[0].resume.sections
            if s.kind in ("summary", "experience", "projects", "skills", "education")]
    without = generated.variants[0].resume.model_copy(update={"sections": five})
    assert ats_score(job, without.plain_text()).score == 0.7727
    assert ats_score(job, without.plain_text()).required_missing == ["German", "automate infrastructure"]


def test_every_section_line_carries_its_provenance_and_passes_the_verifier(lena, munich) -> None:
    job, text = munich
    resume = tailor(lena, job, strategy="skills_first", job_text=text, today=TODAY)

    certificates = resume.section("certificates")
    languages = resume.section("languages")
    assert certificates is not None and languages is not None
    first = certificates.entries[0]
    assert (first.heading.text, first.heading.paths) == (  # type: ignore[union-attr]
        "AWS Certified Solutions Architect – Associate", ["/certificates/0/name"])
    assert (first.subheading.text, first.dates.text) == ("Amazon Web Services", "2022-05")  # type: ignore[union-attr]
    line = languages.entries[0].bullets[0]
    assert line.text == "German (C1), English (Native speaker)"
    assert line.transform == "selected"
    assert line.paths == ["/languages/0/language", "/languages/0/fluency", "/languages/1/language",
                          "/languages/1/fluency"]
    assert resume.section("volunteer").entries[0].bullets[0].paths == ["/volunteer/0/highlights/0"]  # type: ignore[union-attr]
    assert resume.section("interests").entries[0].bullets[0].text == "alpine tours, via ferrata"  # type: ignore[union-attr]
    assert verify(lena, resume, job=job, today=TODAY) == []


def test_a_certificate_the_job_asks_for_comes_first(lena) -> None:
    job = JobRequirements(title="Platform Engineer", company="X", skills=[{"name": "Kubernetes"}])  # type: ignore[list-item]

    resume = tailor(lena, job, strategy="skills_first", today=TODAY)

    assert resume.section("certificates").entries[0].heading.text == "Certified Kubernetes Administrator"  # type: ignore[union-attr]


def test_references_appear_only_when_the_posting_asks_for_them(lena, munich) -> None:
    job, text = munich

    asked = tailor(lena, job, strategy="skills_first", job_text=text + "\nPlease name two references.", today=TODAY)

    references = asked.section("references")
    assert references is not None
    assert references.entries[0].bullets[0].text.startswith("Lena planned and led our move to AWS")
    assert references.entries[0].bullets[0].paths == ["/references/0/reference"]
    assert tailor(lena, job, strategy="skills_first", job_text=text, today=TODAY).section("references") is None


def test_every_strategy_orders_every_section_kind() -> None:
    for order in SECTION_ORDER.values():
        assert set(order) >= {"summary", "experience", "skills", "education", *OTHER_SECTIONS, "references"}


def test_the_profile_text_the_ats_reads_before_tailoring_has_the_sections(lena) -> None:
    text = profile_text(lena)

    assert "AWS Certified Solutions Architect – Associate" in text and "C1" in text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_the_sections_are_in_the_pdf_text_layer(lena, munich, tmp_path: Path) -> None:
    job, text = munich
    generated = render(prepare(lena, job, job_text=text, today=TODAY), job=job, job_text=text, profile=lena,
                       today=TODAY)
    path = tmp_path / "r.pdf"
    path.write_bytes(generated.variants[0].pdf)

    layer = " ".join(subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True,
                                    text=True).stdout.split())

    for expected in ("Certifications", "AWS Certified Solutions Architect – Associate", "Languages",
                     "German (C1), English (Native speaker)", "Publications", "Leaving the Data Centre in Twelve "
                     "Months", "Awards", "Platform Team of the Year", "Volunteering", "Mentor", "Interests",
                     "Mountaineering: alpine tours, via ferrata"):
        assert expected in layer, expected
    assert "## Certifications" in generated.variants[0].markdown
