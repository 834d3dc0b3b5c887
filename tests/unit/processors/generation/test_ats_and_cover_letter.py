from __future__ import annotations

from typing import Any

from processors.generation.ats import ats_report, ats_score
from processors.generation.cover_letter import cover_letter
from processors.generation.facts import profile_text
from processors.generation.model import Line
from processors.generation.tailoring import tailor
from processors.generation.truthfulness import verify_cover_letter
from streams.messages import JobRequirements, RequiredSkill

from .conftest import TODAY


def test_the_ats_score_explains_found_and_missing_keywords(api_job: JobRequirements) -> None:
    score = ats_score(api_job, "Built REST API services on Postgres in Python")

    assert score.required_found == ["REST APIs", "PostgreSQL", "Python"]
    assert score.required_missing == []
    assert score.preferred_missing == ["Kubernetes"]
    assert score.score == round(3 / 3.5, 4)


def test_synonyms_and_stems_count(api_job: JobRequirements) -> None:
    job = JobRequirements(title="x", company="y", skills=[RequiredSkill(name="Kubernetes"),
                                                          RequiredSkill(name="Experimentation")])

    assert ats_score(job, "Ran workloads on k8s; designed experimentations").required_missing == []
    assert ats_score(job, "nothing relevant").score == 0.0
    assert ats_score(JobRequirements(title="x", company="y"), "anything").score == 1.0


def test_tailoring_keeps_every_keyword_the_profile_shows(ada: dict[str, Any], api_job: JobRequirements) -> None:
    resume = tailor(ada, api_job, strategy="skills_first", today=TODAY)

    report = ats_report(api_job, profile_text(ada), resume.plain_text())

    assert report.after.score >= report.before.score
    assert report.after.required_found == report.before.required_found == ["REST APIs", "PostgreSQL", "Python"]
    assert report.after.preferred_missing == ["Kubernetes"]


def test_the_cover_letter_is_templated_from_verbatim_strengths(ada: dict[str, Any], api_job: JobRequirements) -> None:
    resume = tailor(ada, api_job, strategy="experience_first", today=TODAY)

    letter = cover_letter(ada, api_job, resume)

    texts = [line.text for line in letter.paragraphs]
    assert texts[0] == "Dear Harborline hiring team,"
    assert texts[1].startswith("I am writing to apply for the Senior API Engineer role at Harborline.")
    strengths = [line for line in letter.paragraphs if line.transform == "verbatim" and "/highlights/" in line.paths[0]]
    assert 2 <= len(strengths) <= 3
    assert strengths[0].text == ada["work"][1]["highlights"][0]  # the REST/PostgreSQL one leads
    assert texts[-1] == "Ada Park"
    assert verify_cover_letter(ada, letter, api_job, today=TODAY) == []


def test_a_tampered_cover_letter_is_caught(ada: dict[str, Any], sam: dict[str, Any], api_job: JobRequirements) -> None:
    letter = cover_letter(ada, api_job, tailor(ada, api_job, strategy="skills_first", today=TODAY))
    bragging = Line.template("I led 40 engineers at Google.", ["/work/0/highlights/1"])
    tampered = letter.model_copy(update={"paragraphs": [*letter.paragraphs, bragging]})

    reasons = [v.reason for v in verify_cover_letter(ada, tampered, api_job, today=TODAY)]
    assert len(reasons) == 2 and "40" in reasons[0] and "Google" in reasons[1]
    sam_letter = cover_letter(sam, api_job, tailor(sam, api_job, strategy="skills_first"))
    assert verify_cover_letter(sam, sam_letter, api_job) == []


def test_relevance_sees_a_competence_in_other_words_but_the_ats_score_wants_the_keyword() -> None:
    from processors.generation.relevance import evidence, job_terms

    job = JobRequirements(title="Analyst", company="X", skills=[RequiredSkill(name="stakeholder communication")])
    line = "Presented quarterly results to clients"

    assert [term.label for term in evidence(line, job_terms(job))] == ["stakeholder communication"]
    assert ats_score(job, line).required_missing == ["stakeholder communication"]
    assert ats_score(job, "Stakeholder communication: weekly updates").required_found == ["stakeholder communication"]
