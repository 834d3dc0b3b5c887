"""What analysis knows about a posting: its requirements in JSON Resume's job-schema shape, extended with the
structured fields matching needs (years, level, degree). The types are the `job.analysis` topic's contract, so
they live with the other messages; this module names them for the analysis code."""

from streams.messages import (
    Experience,
    JobRequirements,
    RemoteLevel,
    RequiredSkill,
    Salary,
    Seniority,
)

__all__ = ["Experience", "JobRequirements", "RemoteLevel", "RequiredSkill", "Salary", "Seniority"]
