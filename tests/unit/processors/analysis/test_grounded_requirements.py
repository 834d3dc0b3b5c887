"""Grounded extraction: a model's requirement is kept only when the posting states it; company, title and location
are the board's."""

from __future__ import annotations

from datetime import UTC, datetime

from processors.analysis.extraction import extract_requirements
from processors.analysis.requirements import ground_requirements
from streams.messages import JobPosting, JobRequirements

POSTING = JobPosting(
    event_id="e", occurred_at=datetime(2026, 11, 28, tzinfo=UTC), canonical_job_id="greenhouse:acme:1",
    source="GREENHOUSE", board_token="acme", source_job_id="1", title="Senior Backend Engineer", company="Acme",
    locations=["Lisbon"], url="https://acme.example/jobs/1", content_hash="h", employment_type="Full-time",
    description_text=("Requirements:\n- 5+ years of experience with Python\n- Kafka and PostgreSQL in production\n"
                      "- Bachelor's degree in Computer Science\nThis role is hybrid.\nSalary: €70,000 – €90,000"),
)


def grounded(answer: dict[str, object]) -> tuple[JobRequirements, list[str]]:
    base = {"title": POSTING.title, "company": POSTING.company}
    return tuple(ground_requirements(POSTING, JobRequirements.model_validate({**base, **answer})))  # type: ignore[return-value]


def test_requirements_the_posting_states_are_kept_in_other_words_and_case() -> None:
    answer = {"skills": [{"name": "python"}, {"name": "Postgres"}, {"name": "Apache Kafka"}],
              "experience": {"years_min": 5, "level": "Senior"}, "degree": "Bachelor's degree in Computer Science",
              "qualifications": ["5+ years of experience with Python"], "remote": "Hybrid", "type": "Full-time",
              "salary": {"minimum": 70000, "maximum": 90000, "currency": "EUR"}}
    requirements, dropped = grounded(answer)
    assert dropped == []
    assert [s.name for s in requirements.skills] == ["python", "Postgres", "Apache Kafka"]
    assert requirements.experience.years_min == 5 and requirements.salary is not None


def test_invented_requirements_are_dropped_and_each_is_named() -> None:
    answer = {"skills": [{"name": "Kubernetes"}, {"name": "Rust"}], "degree": "PhD",
              "experience": {"years_min": 12, "level": "Principal"},
              "qualifications": ["12+ years of experience with Rust"], "remote": "Full",
              "salary": {"minimum": 150000, "currency": "USD"}}
    requirements, dropped = grounded(answer)
    assert requirements.skills == [] and requirements.degree is None and requirements.qualifications == []
    assert requirements.experience.years_min is None and requirements.experience.level is None
    assert requirements.remote is None and requirements.salary is None
    assert dropped == ["skill 'Kubernetes'", "skill 'Rust'", "qualification '12+ years of experience with Rust'",
                       "degree 'PhD'", "experience years_min 12", "experience level 'Principal'",
                       "salary minimum 150000", "salary currency 'USD'", "remote 'Full'"]


def test_company_title_and_location_come_from_the_board() -> None:
    requirements, dropped = grounded({"company": "Globex", "title": "Staff Engineer", "location": "Berlin"})
    assert (requirements.company, requirements.title, requirements.location) == ("Acme", POSTING.title, "Lisbon")
    assert dropped == ["company 'Globex' (the board says 'Acme')",
                       "title 'Staff Engineer' (the board says 'Senior Backend Engineer')",
                       "location 'Berlin' (the board says 'Lisbon')"]


def test_the_offline_extractors_requirements_are_all_found_in_the_posting() -> None:
    """The deterministic extractor reads the posting's own words: grounding keeps everything it finds."""
    assert grounded(extract_requirements(POSTING).model_dump(mode="json"))[1] == []
