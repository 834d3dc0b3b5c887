from __future__ import annotations

import copy
from typing import Any

import pytest

from processors.generation.fitting import fit
from processors.generation.model import STRATEGIES, TailoredResume
from processors.generation.tailoring import (
    tailor,
    tailor_variants,
)
from processors.generation.truthfulness import verify
from streams.messages import JobRequirements, RequiredSkill

from .conftest import TODAY


def bullets(resume: TailoredResume, kind: str = "experience") -> list[str]:
    section = resume.section(kind)  # type: ignore[arg-type]
    assert section is not None
    return [line.text for entry in section.entries for line in entry.bullets]


def big_profile(ada: dict[str, Any]) -> dict[str, Any]:
    """Ada with many more highlights than one page holds; the Terraform one is buried at the end."""
    profile = copy.deepcopy(ada)
    filler = "Worked with product managers and designers on quarterly planning for the internal tooling group"
    for job in profile["work"]:
        job["highlights"] = [f"{filler} ({n})" for n in range(1, 9)] + job["highlights"]
    profile["work"][1]["highlights"].append("Wrote the Terraform modules for every staging and production account")
    profile["work"].append({"name": "Harbour Café", "position": "Barista", "startDate": "2015-01",
                            "endDate": "2017-08", "highlights": [f"{filler} ({n})" for n in range(9, 14)]})
    profile["projects"] = [{"name": "queue-lab", "description": "A Kafka consumer benchmark",
                            "highlights": ["Measured Kafka consumer lag under 5 partition layouts"]}]
    return profile


def test_the_most_relevant_highlight_comes_first(ada: dict[str, Any]) -> None:
    job = JobRequirements(title="Platform Engineer", company="X", skills=[RequiredSkill(name="Kafka")])

    resume = tailor(ada, job, strategy="experience_first", today=TODAY)

    first_job = resume.section("experience").entries[0]  # type: ignore[union-attr]
    assert first_job.bullets[0].text.startswith("Moved nightly batch jobs to Kafka")
    job = JobRequirements(title="Lead", company="X", skills=[RequiredSkill(name="team leadership"),
                                                            RequiredSkill(name="Python")])
    resume = tailor(ada, job, strategy="experience_first", today=TODAY)
    assert resume.section("experience").entries[0].bullets[0].text.startswith("Led a team")  # type: ignore[union-attr]


def test_relevant_skills_lead_the_summary_and_skills_section(ada: dict[str, Any], api_job: JobRequirements) -> None:
    resume = tailor(ada, api_job, strategy="skills_first", today=TODAY)

    summary = resume.section("summary").entries[0].bullets[0]  # type: ignore[union-attr]
    assert summary.text == "Backend Engineer with 7+ years of experience, skilled in Python and PostgreSQL."
    assert summary.transform == "template"
    assert "/basics/label" in summary.paths and "/skills/0/keywords/0" in summary.paths
    skills = resume.section("skills").entries[0].bullets[0]  # type: ignore[union-attr]
    assert skills.text.startswith("Python, PostgreSQL, ")


def test_without_today_the_summary_does_not_depend_on_the_clock(ada: dict[str, Any], api_job: JobRequirements) -> None:
    resume = tailor(ada, api_job, strategy="skills_first")

    assert resume.section("summary").entries[0].bullets[0].text.startswith(  # type: ignore[union-attr]
        "Backend Engineer working since 2017")
    assert tailor(ada, api_job, strategy="skills_first") == resume


@pytest.mark.parametrize("pages", [1, 2])
def test_the_fitted_resume_keeps_the_relevant_line_within_its_pages(ada: dict[str, Any], api_job: JobRequirements,
                                                                     pages: int) -> None:
    profile = big_profile(ada)
    for job in profile["work"]:  # longer lines than one page holds
        job["highlights"] = [f"{h}, reviewed with the platform, data and security teams every quarter" * 2
                             for h in job["highlights"]]
    job = api_job.model_copy(update={"skills": [*api_job.skills, RequiredSkill(name="Terraform")]})

    resume = tailor(profile, job, strategy="experience_first", pages=pages, today=TODAY)  # type: ignore[arg-type]
    fitted = fit(resume, template="compact", job=job, profile=profile, today=TODAY)

    assert fitted.report.pages <= pages
    assert any("Wrote the Terraform modules" in b for b in bullets(fitted.resume))
    total = sum(len(j["highlights"]) for j in profile["work"])
    if pages == 1:
        assert fitted.report.pages == 1 and len(bullets(fitted.resume)) < total


def test_two_pages_hold_more_than_one(ada: dict[str, Any], api_job: JobRequirements) -> None:
    profile = big_profile(ada)
    for job in profile["work"]:
        job["highlights"] = [f"{h}; the same again for the second region and its on-call rota" * 2
                             for h in job["highlights"]]
    one = tailor(profile, api_job, strategy="experience_first", pages=1, today=TODAY)
    two = tailor(profile, api_job, strategy="experience_first", pages=2, today=TODAY)

    fitted_one = fit(one, template="compact", job=api_job).resume
    fitted_two = fit(two, template="compact", job=api_job).resume
    assert len(bullets(fitted_two)) > len(bullets(fitted_one))


def test_variants_differ_in_order_and_have_stable_ids(ada: dict[str, Any], api_job: JobRequirements) -> None:
    profile = big_profile(ada)
    variants = tailor_variants(profile, api_job, today=TODAY)

    assert [v.variant_id for v in variants] == [f"{s}-v2" for s in STRATEGIES]
    orders = {tuple(s.kind for s in v.sections) for v in variants}
    assert len(orders) == 3
    assert [s.kind for s in variants[0].sections][:2] == ["summary", "skills"]
    assert [s.kind for s in variants[2].sections][:2] == ["summary", "projects"]
    assert tailor_variants(profile, api_job, today=TODAY) == variants


def test_jobs_are_listed_newest_first_and_only_profile_text_is_used(ada: dict[str, Any],
                                                                    api_job: JobRequirements) -> None:
    resume = tailor(ada, api_job, strategy="experience_first", today=TODAY)

    experience = resume.section("experience")
    assert experience is not None
    assert [e.subheading.text for e in experience.entries] == ["Tidewater Analytics", "Northwind Labs"]  # type: ignore[union-attr]
    assert experience.entries[0].dates.text == "2021-03 – present"  # type: ignore[union-attr]
    assert "Kubernetes" not in resume.plain_text()  # asked for, not stated: never added


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_every_line_has_provenance(ada: dict[str, Any], api_job: JobRequirements, strategy: str) -> None:
    resume = tailor(big_profile(ada), api_job, strategy=strategy, today=TODAY)  # type: ignore[arg-type]

    for line in resume.lines():
        assert line.provenance
        assert all(p.path or p.transform == "template" for p in line.provenance)


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("pages", [1, 2])
@pytest.mark.parametrize("today", [TODAY, None])
def test_verify_accepts_everything_tailor_writes(
    ada: dict[str, Any], sam: dict[str, Any], api_job: JobRequirements, strategy: str, pages: int, today: Any
) -> None:
    data_job = JobRequirements(title="Data Scientist", company="Y", skills=[
        RequiredSkill(name="scikit-learn"), RequiredSkill(name="A/B testing"), RequiredSkill(name="SQL")])
    for profile in (ada, big_profile(ada), sam):
        for job in (api_job, data_job):
            resume = tailor(profile, job, strategy=strategy, pages=pages, today=today)  # type: ignore[arg-type]
            assert verify(profile, resume, today=today) == []


def test_the_relevance_hook_can_reorder_bullets(ada: dict[str, Any]) -> None:
    job = JobRequirements(title="Engineer", company="X")

    def prefer_teams(texts: list[str]) -> list[float]:
        return [1.0 if "team" in text else 0.0 for text in texts]

    resume = tailor(ada, job, strategy="experience_first", today=TODAY, relevance=prefer_teams)

    assert bullets(resume)[0].startswith("Led a team")


def test_a_competence_asked_in_other_words_brings_the_line_that_shows_it_first(ada: dict[str, Any]) -> None:
    profile = copy.deepcopy(ada)
    profile["work"][0]["highlights"].append("Presented quarterly results to clients and their executives")
    job = JobRequirements(title="Analytics Engineer", company="X", skills=[
        RequiredSkill(name="stakeholder communication", keywords=["communicate findings to stakeholders"])])

    resume = tailor(profile, job, strategy="experience_first", today=TODAY)

    first_job = resume.section("experience").entries[0]  # type: ignore[union-attr]
    assert first_job.bullets[0].text == "Presented quarterly results to clients and their executives"
    assert verify(profile, resume, job=job, today=TODAY) == []
