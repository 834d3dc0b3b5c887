"""A user's match with an analyzed posting: score, reasons, and never two postings of one job."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime

import pytest

from processors.analysis.match import PROCEED_AT, cosine, decide, on_profile, profile_text, unmatched_skills
from streams.messages import (
    AnalysisUser,
    Experience,
    JobAnalysis,
    JobAnalyzed,
    JobDiscovered,
    JobRequirements,
    MatchDecision,
    PendingMatch,
    RequiredSkill,
    UserProfile,
)

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
PROFILE = json.dumps({
    "basics": {"name": "Ada"},
    "work": [{"name": "A", "startDate": "2017-09", "endDate": "2021-02"}, {"name": "B", "startDate": "2021-03"}],
    "skills": [{"name": "Backend", "keywords": ["Python", "Kafka", "PostgreSQL"]}],
    "languages": [{"language": "Portuguese"}],
})
USER = on_profile(None, UserProfile(event_id="p", user_id="u1", occurred_at=NOW, email="a@b.co", profile_version=1,
                                   profile_json=PROFILE, preferences={}), [0.1, 0.2], today=date(2026, 11, 28))
assert USER is not None


def analysis(job_id: str, *skills: RequiredSkill, years: int | None = None, duplicate_of: str | None = None
             ) -> JobAnalysis:
    return JobAnalysis(event_id="a", occurred_at=NOW, canonical_job_id=job_id, content_hash="h",
                       extractor="deterministic", duplicate_of=duplicate_of,
                       requirements=JobRequirements(title="Backend Engineer", company="ExampleCorp",
                                                    skills=list(skills), experience=Experience(years_min=years)))


def discovered(job_id: str) -> JobDiscovered:
    return JobDiscovered(event_id="d", user_id="u1", occurred_at=NOW, canonical_job_id=job_id, search_name="s",
                         title="Backend Engineer", company="ExampleCorp")


def step(cell: AnalysisUser, found: JobDiscovered, posting: JobAnalysis, *, similarity: float,
         fuzzy_matches: dict[str, str], now: datetime) -> tuple[AnalysisUser, JobAnalyzed]:
    """`decide` on `posting` with an embedding whose cosine to the profile's is `similarity`."""
    norm = math.hypot(*cell.embedding)
    unit, across = [x / norm for x in cell.embedding], [-cell.embedding[1] / norm, cell.embedding[0] / norm]
    embedding = [similarity * u + math.sqrt(1 - similarity**2) * a for u, a in zip(unit, across, strict=True)]
    assert found.canonical_job_id == posting.canonical_job_id
    assert math.isclose(cosine(cell.embedding, embedding), similarity, abs_tol=1e-9)
    return decide(cell, posting.model_copy(update={"embedding": embedding}), fuzzy_matches=fuzzy_matches, at=now)


def run(cell: AnalysisUser | None, job_id: str, *skills: RequiredSkill, similarity: float = 0.5,
        years: int | None = None) -> tuple[AnalysisUser, JobAnalyzed]:
    return step(cell or USER, discovered(job_id), analysis(job_id, *skills, years=years), similarity=similarity,
                fuzzy_matches={}, now=NOW)


PY, KAFKA, GO = (RequiredSkill(name="Python"), RequiredSkill(name="Apache Kafka", keywords=["Kafka"]),
                 RequiredSkill(name="Go"))


def test_profile_terms_and_years_come_from_the_resume() -> None:
    assert {"python", "kafka", "postgresql", "backend", "portuguese"} <= set(USER.terms)
    assert USER.years_of_experience == 9.2  # 2017-09 .. 2026-11 inclusive, the two jobs back to back
    assert profile_text({}) == "" and "Backend, Python, Kafka" in profile_text(json.loads(PROFILE))


def test_an_older_profile_version_changes_nothing_and_a_newer_keeps_what_goes_ahead() -> None:
    cell, _ = run(None, "j1", PY, similarity=0.6)
    newer = UserProfile(event_id="p2", user_id="u1", occurred_at=NOW, email="a@b.co", profile_version=2,
                        profile_json=PROFILE, preferences={})
    assert on_profile(cell, newer.model_copy(update={"profile_version": 1}), [], today=date(2026, 11, 28)) is None
    updated = on_profile(cell, newer, [0.3], today=date(2026, 11, 28))
    assert updated is not None and updated.proceeding == {"j1": "j1"} and updated.embedding == [0.3]


def test_matched_and_missing_skills_use_names_and_keywords() -> None:
    _, result = run(None, "j1", PY, KAFKA, GO)
    assert result.matched_skills == ["Python", "Apache Kafka"] and result.missing_skills == ["Go"]
    assert result.reasons[0] == "2 of 3 skills shown in the profile"


def test_a_good_fit_proceeds_and_a_poor_one_is_skipped_with_the_reason() -> None:
    cell, good = run(None, "j1", PY, KAFKA, similarity=0.6)
    assert good.decision is MatchDecision.PROCEED and good.score >= PROCEED_AT
    assert cell.proceeding == {"j1": "j1"}
    _, poor = run(None, "j2", GO, RequiredSkill(name="Rust"), similarity=0.1, years=15)
    assert poor.decision is MatchDecision.SKIP and poor.score < PROCEED_AT
    assert any("below" in r for r in poor.reasons) and any("15+ years" in r for r in poor.reasons)


def test_a_duplicate_of_a_job_already_going_ahead_is_skipped() -> None:
    cell, _ = run(None, "greenhouse:acme:1", PY, similarity=0.6)
    _, again = step(cell, discovered("lever:acme:9"), analysis("lever:acme:9", PY, duplicate_of="greenhouse:acme:1"),
                    similarity=0.6, fuzzy_matches={}, now=NOW)
    assert again.decision is MatchDecision.SKIP and again.duplicate_of == "greenhouse:acme:1"


def test_the_original_is_skipped_when_its_duplicate_went_ahead_first() -> None:
    cell, _ = step(USER, discovered("lever:acme:9"), analysis("lever:acme:9", PY, duplicate_of="greenhouse:acme:1"),
                   similarity=0.6, fuzzy_matches={}, now=NOW)
    _, original = run(cell, "greenhouse:acme:1", PY, similarity=0.6)
    assert original.decision is MatchDecision.SKIP and "lever:acme:9" in original.reasons[-1]


def test_a_fuzzy_skill_match_counts() -> None:
    _, result = step(USER, discovered("j1"), analysis("j1", GO), similarity=0.5, fuzzy_matches={"Go": "golang"},
                     now=NOW)
    assert result.matched_skills == ["Go"]


def test_the_same_input_gives_the_same_event() -> None:
    assert run(None, "j1", PY) == run(None, "j1", PY)


def test_a_duplicate_decided_first_leaves_the_job_to_the_original_the_user_also_found() -> None:
    waiting = USER.model_copy(update={"pending": {"greenhouse:acme:1": PendingMatch(profile_version=1)}})
    _, dup = step(waiting, discovered("lever:acme:9"), analysis("lever:acme:9", PY, duplicate_of="greenhouse:acme:1"),
                  similarity=0.6, fuzzy_matches={}, now=NOW)
    assert dup.decision is MatchDecision.SKIP and "greenhouse:acme:1" in dup.reasons[-1]
    _, alone = step(USER, discovered("lever:acme:9"), analysis("lever:acme:9", PY, duplicate_of="greenhouse:acme:1"),
                    similarity=0.6, fuzzy_matches={}, now=NOW)
    assert alone.decision is MatchDecision.PROCEED  # the original was not found by this user


def test_a_competence_asked_in_other_words_matches_the_profile_sentence_that_shows_it() -> None:
    profile = json.dumps({"basics": {"name": "Ada"},
                          "work": [{"name": "Acme", "startDate": "2020-01",
                                    "highlights": ["Built the billing service in Python",
                                                   "Presented quarterly results to clients and executives"]}],
                          "skills": [{"name": "Python"}]})
    user = on_profile(None, UserProfile(event_id="p", user_id="u1", occurred_at=NOW, email="a@b.co",
                                        profile_version=1, profile_json=profile, preferences={}),
                      [0.1, 0.2], today=date(2026, 11, 28))
    assert user is not None
    assert user.evidence == {"stakeholder communication": "Presented quarterly results to clients and executives"}
    asked = RequiredSkill(name="stakeholder communication", keywords=["communicate findings to stakeholders"])
    job = analysis("j1", PY, asked, RequiredSkill(name="Terraform"))

    assert unmatched_skills(user, job) == ["Terraform"]  # no embedding comparison needed for the competence
    _, analyzed = step(user, discovered("j1"), job, similarity=0.5, fuzzy_matches={}, now=NOW)

    assert analyzed.matched_skills == ["Python", "stakeholder communication"]
    assert analyzed.missing_skills == ["Terraform"]
    assert analyzed.reasons[:2] == [
        "2 of 3 skills shown in the profile",
        '"stakeholder communication" shown by the profile: "Presented quarterly results to clients and executives"',
    ]


def test_a_profile_without_that_competence_misses_it() -> None:
    asked = RequiredSkill(name="stakeholder communication")
    _, analyzed = run(None, "j1", PY, asked)

    assert analyzed.matched_skills == ["Python"] and analyzed.missing_skills == ["stakeholder communication"]


def test_the_span_models_own_phrases_weigh_a_quarter_of_a_named_skill() -> None:
    phrase = RequiredSkill(name="write clean, testable code")
    job = analysis("j1", PY, phrase).model_copy(update={"extractor": "model:skill-spans-crf"})
    _, from_model = step(USER, discovered("j1"), job, similarity=0.5, fuzzy_matches={}, now=NOW)
    _, from_llm = step(USER, discovered("j1"), job.model_copy(update={"extractor": "llm:test"}), similarity=0.5,
                       fuzzy_matches={}, now=NOW)

    assert from_model.missing_skills == from_llm.missing_skills == ["write clean, testable code"]
    skills_part = 0.5 * 1.0 / 1.25  # Python (1) shown of Python and the phrase (1 + 0.25)
    assert from_model.score - from_llm.score == pytest.approx(skills_part - 0.5 * 0.5, abs=1e-3)
