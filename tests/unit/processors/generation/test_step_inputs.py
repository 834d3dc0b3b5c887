"""The generation step with profiles people really have: one accepted before JSON Resume 0.x names were mapped."""

from __future__ import annotations

import json

from processors.generation.model import Rendered, RenderResumes, Rephrase, Rephrased, StoredVariant
from processors.generation.step import step
from streams.messages import JobAnalyzed, JobRequirements, MatchDecision, RequiredSkill, UserProfile
from tests.support.redelivery import NOW

OLD_PROFILE = {"basics": {"name": "Ada Park", "email": "ada@example.org", "label": "Engineer"},
               "work": [{"company": "Acme Freight", "position": "Engineer", "startDate": "2019-01",
                         "website": "https://acme.example", "highlights": ["Built Kafka pipelines in Python"]}]}


def test_a_profile_that_still_says_company_keeps_its_employer_line() -> None:
    profile = UserProfile(event_id="p1", user_id="u1", occurred_at=NOW, email="ada@example.org", profile_version=1,
                          preferences={}, profile_json=json.dumps(OLD_PROFILE))
    decision = JobAnalyzed(event_id="a1", user_id="u1", occurred_at=NOW, canonical_job_id="greenhouse:x:1",
                           score=0.9, decision=MatchDecision.PROCEED,
                           requirements=JobRequirements(title="Engineer", company="X",
                                                        skills=[RequiredSkill(name="Kafka")]))
    cell, _ = step(None, profile, now=NOW)

    cell, [rephrase] = step(cell, decision, now=NOW)

    assert isinstance(rephrase, Rephrase)
    for resume in rephrase.resumes:
        [employer] = resume.section("experience").entries  # type: ignore[union-attr]
        assert (employer.subheading.text, employer.subheading.paths) == ("Acme Freight", ["/work/0/name"])  # type: ignore[union-attr]

    _, [render] = step(cell, Rephrased(decision=decision, resumes=rephrase.resumes), now=NOW)
    assert isinstance(render, RenderResumes)
    assert json.loads(render.profile_json)["work"][0]["name"] == "Acme Freight" and render.today == NOW.date()


def test_each_variant_names_its_decision_how_many_variants_it_has_and_the_cover_letter() -> None:
    profile = UserProfile(event_id="p1", user_id="u1", occurred_at=NOW, email="ada@example.org", profile_version=1,
                          preferences={}, profile_json=json.dumps(OLD_PROFILE))
    decision = JobAnalyzed(event_id="a1", user_id="u1", occurred_at=NOW, canonical_job_id="greenhouse:x:1",
                           score=0.9, decision=MatchDecision.PROCEED,
                           requirements=JobRequirements(title="Engineer", company="X"))
    cell, _ = step(None, profile, now=NOW)
    variants = [StoredVariant(variant_id=v, template="classic", ats_score=0.8, provenance_summary="", sha256=c * 64,
                              artifact_uri=f"file:///{v}.pdf", resume_json_uri=f"file:///{v}.json")
                for v, c in (("skills_first-v3", "a"), ("projects_first-v3", "b"))]

    _, resumes = step(cell, Rendered(decision=decision, variants=variants, cover_letter_uri="file:///letter.pdf",
                                     cover_letter_sha256="c" * 64), now=NOW)

    assert [(r.variant_id, r.decision_id, r.variants_total, r.cover_letter_uri, r.cover_letter_sha256)
            for r in resumes] == [("skills_first-v3", "a1", 2, "file:///letter.pdf", "c" * 64),
                                  ("projects_first-v3", "a1", 2, "file:///letter.pdf", "c" * 64)]
