"""What analysis works with: the requirement types of the `job.analysis` contract (defined with the other
messages, named here for analysis's code) and the requests and results of its ports."""

from __future__ import annotations

from datetime import datetime

from processors.analysis.dedup import Neighbour, PostingTraits
from streams.messages import (
    BudgetCrossed,
    Experience,
    JobAnalysis,
    JobPosting,
    JobRequirements,
    RemoteLevel,
    RequiredSkill,
    Salary,
    Seniority,
    UserProfile,
)
from streams.processor import PortRequest, PortResult

__all__ = [
    "CompareSkills",
    "EmbedProfile",
    "ExaminationFailed",
    "ExaminePosting",
    "Experience",
    "IndexPosting",
    "JobRequirements",
    "PostingExamined",
    "ProfileEmbedded",
    "RemoteLevel",
    "RequiredSkill",
    "Salary",
    "Seniority",
    "SkillsCompared",
]


# --- a posting's cell ------------------------------------------------------------------------------------------


class ExaminePosting(PortRequest):
    """Read the posting's requirements (LLM or deterministic), embed its summary and its role chunks, and find
    the stored postings dedup compares it with (nearest by embedding, and nearest of the same company entity
    across aliases), each with its chunk-by-chunk text similarity."""

    posting: JobPosting


class PostingExamined(PortResult):
    posting: JobPosting
    requirements: JobRequirements
    extractor: str
    embedding: list[float]
    chunk_embeddings: list[list[float]]  # one per role chunk (`role_text.role_chunks`)
    chunk_words: list[int]
    neighbours: list[Neighbour]
    budget_events: tuple[BudgetCrossed, ...] = ()
    company_aliases: tuple[str, ...] = ()  # names the store knows for the employer besides its own (`known_aliases`)


class ExaminationFailed(PortResult):
    """The posting cannot be analyzed as it is (e.g. nothing to embed): a decision, not an outage."""

    posting: JobPosting
    reason: str


class IndexPosting(PortRequest):
    """Store the posting's embeddings and traits where later postings look for duplicates (a side effect, no
    result)."""

    canonical_job_id: str
    canonical_of: str | None
    traits: PostingTraits
    content_hash: str
    embedding: list[float]
    chunk_embeddings: list[list[float]]
    chunk_words: list[int]


# --- a user's cell ---------------------------------------------------------------------------------------------


class EmbedProfile(PortRequest):
    profile: UserProfile


class ProfileEmbedded(PortResult):
    profile: UserProfile
    embedding: list[float]


class CompareSkills(PortRequest):
    """Which of `unmatched` (skills the posting asks for, not named in the profile) the profile's `terms` cover
    under another name, by embedding similarity."""

    analysis: JobAnalysis
    terms: list[str]
    unmatched: list[str]
    posting_at: datetime | None = None  # carried through to the decision


class SkillsCompared(PortResult):
    analysis: JobAnalysis
    fuzzy_matches: dict[str, str]  # required skill -> the profile term that covers it
    posting_at: datetime | None = None
