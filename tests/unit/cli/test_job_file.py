from __future__ import annotations

from pathlib import Path

import pytest

from cli.job_file import JobInputError, job_from_file
from streams.messages import RemoteLevel, Seniority

JOBS = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "jobs"


def test_a_job_schema_document_is_read() -> None:
    job, text = job_from_file(JOBS / "data_platform.job.json")

    assert (job.title, job.company, job.type) == ("Senior Data Platform Engineer", "Harborline", "Full-time")
    assert job.remote is RemoteLevel.HYBRID
    assert job.location == "Lisbon, PT"
    assert job.experience.years_min == 5 and job.experience.level is Seniority.SENIOR
    names = [s.name for s in job.skills]
    assert names[:3] == ["Kafka", "Python", "PostgreSQL"]
    assert job.responsibilities == ["Build Kafka stream processors in Python", "Run our PostgreSQL databases"]
    assert "Kubernetes" in names
    assert text.startswith("Senior Data Platform Engineer at Harborline")


def test_a_plain_text_posting_is_extracted() -> None:
    job, text = job_from_file(JOBS / "backend_engineer.txt")

    assert (job.title, job.company) == ("Backend Engineer", "Quayside")
    assert job.experience.years_min == 4
    required = {s.name: s.required for s in job.skills}
    assert required["Python"] and required["PostgreSQL"] and required["Docker"]
    assert required["Terraform"] is False
    assert text.startswith("Backend Engineer at Quayside")


def test_unreadable_or_empty_jobs_are_user_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    with pytest.raises(JobInputError):
        job_from_file(empty)
    with pytest.raises(JobInputError):
        job_from_file(tmp_path / "missing.json")
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]")
    with pytest.raises(JobInputError):
        job_from_file(listed)
