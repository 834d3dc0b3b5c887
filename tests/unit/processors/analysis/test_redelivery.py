"""Analysis's cells under redelivery (hypothesis): a posting, a request for its analysis, a user's profile, a
discovery or a delivered analysis, processed again, change nothing and emit no new event id."""

from __future__ import annotations

import hashlib
import json
import math
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from processors.analysis.dedup import traits_and_chunks
from processors.analysis.extraction import extract_requirements
from processors.analysis.model import (
    CompareSkills,
    EmbedProfile,
    ExaminePosting,
    IndexPosting,
    PostingExamined,
    ProfileEmbedded,
    SkillsCompared,
)
from processors.analysis.step import job_step, user_step
from streams.messages import (
    AnalysisDelivered,
    AnalysisRequested,
    BoardSource,
    JobAnalysis,
    JobAnalyzed,
    JobDiscovered,
    JobPosting,
    JobRequirements,
    RequiredSkill,
    UserProfile,
)
from streams.processor import PortRequest, PortResult
from tests.support.redelivery import NOW, assert_redelivery_changes_nothing, process

TEXTS = ["We need Python and Kafka.", "Go, Kubernetes and 5+ years of backend work.",
         "SQL and dbt; nice to have Spark."]


def vector(seed: str, dimensions: int = 8) -> list[float]:
    digest = hashlib.sha256(seed.encode()).digest()
    raw = [b - 127.5 for b in digest[:dimensions]]
    norm = math.sqrt(sum(x * x for x in raw))
    return [x / norm for x in raw]


def posting(job: int, text: str, second: int = 0) -> JobPosting:
    content_hash = hashlib.sha256(f"{job}{text}".encode()).hexdigest()
    return JobPosting(event_id=f"posting-{job}-{content_hash[:6]}", occurred_at=NOW + timedelta(seconds=second),
                      canonical_job_id=f"greenhouse:acme:{job}", source=BoardSource.GREENHOUSE, board_token="acme",
                      source_job_id=str(job), title="Backend Engineer", company="Acme", url=f"https://acme.example/{job}",
                      description_text=text, content_hash=content_hash)


def analysis_ports(request: PortRequest) -> list[PortResult]:
    """Deterministic stand-ins for the real ports: the same request, the same answer."""
    match request:
        case ExaminePosting():
            p = request.posting
            requirements = extract_requirements(p)
            _, chunks = traits_and_chunks(p, requirements)
            return [PostingExamined(posting=p, requirements=requirements, extractor="deterministic",
                                    embedding=vector(p.content_hash), neighbours=[],
                                    chunk_embeddings=[vector(f"{p.content_hash}{n}") for n in range(len(chunks))],
                                    chunk_words=[chunk.words for chunk in chunks])]
        case IndexPosting():
            return []
        case EmbedProfile():
            return [ProfileEmbedded(profile=request.profile, embedding=vector(request.profile.profile_json))]
        case CompareSkills():
            return [SkillsCompared(analysis=request.analysis, posting_at=request.posting_at,
                                   fuzzy_matches={s: "backend" for s in request.unmatched if len(s) % 2})]
    raise AssertionError(request)


@st.composite
def job_events(draw: st.DrawFn) -> list[object]:
    job = draw(st.integers(1, 2))
    events: list[object] = []
    for second in range(draw(st.integers(1, 8))):
        if draw(st.booleans()):  # discovery publishes a posting's records in order, each later than the last
            events.append(posting(job, draw(st.sampled_from(TEXTS)), second))
        else:
            user = draw(st.sampled_from(["u1", "u2"]))
            version = draw(st.integers(1, 2))
            events.append(AnalysisRequested(event_id=f"r-{user}-{version}", occurred_at=NOW,
                                            canonical_job_id=f"greenhouse:acme:{job}", user_id=user,
                                            profile_version=version))
    return events


@given(data=st.data(), events=job_events())
def test_a_postings_cell_analyzes_each_content_once_and_answers_each_user(data: st.DataObject,
                                                                          events: list[object]) -> None:
    start = data.draw(st.integers(0, len(events) - 1))
    assert_redelivery_changes_nothing(job_step, None, events, start, port=analysis_ports)


def analysis(job: int, text: str) -> JobAnalysis:
    p = posting(job, text)
    skills = [RequiredSkill(name=name) for name in ("Python", "Kafka", "Go", "Kubernetes") if name in text]
    return JobAnalysis(event_id=f"a-{job}-{p.content_hash[:6]}", occurred_at=NOW, canonical_job_id=p.canonical_job_id,
                       content_hash=p.content_hash, extractor="deterministic",
                       requirements=JobRequirements(title="Backend Engineer", company="Acme", skills=skills),
                       embedding=vector(p.content_hash), duplicate_of="greenhouse:acme:1" if job == 3 else None)


@st.composite
def user_events(draw: st.DrawFn) -> list[object]:
    """What reaches a user's cell, in an order the pipeline can produce: profiles; discoveries (again when the
    profile changes); and analyses, which a posting's cell delivers only to users who asked for them, at once
    or later, and again whenever the posting's content changes."""
    events: list[object] = []
    asked: dict[int, int] = {}  # job -> the profile version of its latest request
    published: dict[int, int] = {}  # job -> seconds after NOW of its latest content
    version = 0  # the latest profile version published
    for _ in range(draw(st.integers(1, 10))):
        kind = draw(st.sampled_from(["profile", "discovered", "delivered"]))
        job = draw(st.integers(1, 3))
        if kind == "profile":
            version += 1  # the profiles processor publishes versions in order
            events.append(UserProfile(
                event_id=f"p{version}", user_id="u1", occurred_at=NOW, email="u1@example.org",
                profile_version=version, preferences={},
                profile_json=json.dumps({"basics": {"name": "U"}, "skills": [
                    {"name": "Backend", "keywords": ["Python", "Kafka"][: version]}]})))
        elif kind == "discovered":
            asked[job] = max(asked.get(job, 0), max(version, 1))
            events.append(JobDiscovered(event_id=f"d{job}", user_id="u1", occurred_at=NOW,
                                        canonical_job_id=f"greenhouse:acme:{job}", search_name="s",
                                        title="Backend Engineer", company="Acme",
                                        profile_version=max(version, 1)))  # (the profile may arrive later)
        elif asked:
            job = draw(st.sampled_from(sorted(asked)))
            if job not in published or draw(st.booleans()):  # new content, or the current one again
                published[job] = published.get(job, 0) + 1
            at = NOW + timedelta(seconds=published[job])
            if draw(st.integers(0, 4)):
                found = analysis(job, TEXTS[published[job] % len(TEXTS)])
                events.append(AnalysisDelivered(event_id=f"del-{job}-{found.content_hash[:6]}", occurred_at=NOW,
                                                user_id="u1", canonical_job_id=found.canonical_job_id,
                                                analysis=found, posting_at=at, for_version=asked[job]))
            else:
                events.append(AnalysisDelivered(event_id=f"del-{job}-failed", occurred_at=NOW, user_id="u1",
                                                canonical_job_id=f"greenhouse:acme:{job}", failure="unreadable",
                                                posting_at=at, for_version=asked[job]))
    return events or [JobDiscovered(event_id="d1", user_id="u1", occurred_at=NOW,
                                    canonical_job_id="greenhouse:acme:1", search_name="s", title="Backend Engineer",
                                    company="Acme", profile_version=1)]


@given(data=st.data(), events=user_events())
def test_a_users_cell_decides_each_posting_once(data: st.DataObject, events: list[object]) -> None:
    start = data.draw(st.integers(0, len(events) - 1))
    assert_redelivery_changes_nothing(user_step, None, events, start, port=analysis_ports)


def test_the_analysis_and_the_decision_carry_where_the_posting_is_and_how_to_apply() -> None:
    mailed = posting(7, "We need Python and Kafka. Send your CV to jobs@acme.example.").model_copy(
        update={"apply_url": "https://acme.example/7/apply", "posted_at": NOW})
    cell, requests = job_step(None, mailed, now=NOW)
    [examined] = analysis_ports(requests[0])
    _, outputs = job_step(cell, examined, now=NOW)
    [analysis] = [o for o in outputs if isinstance(o, JobAnalysis)]

    assert analysis.posting is not None
    assert (analysis.posting.source, analysis.posting.board_token, analysis.posting.source_job_id,
            analysis.posting.url, analysis.posting.apply_url, analysis.posting.apply_email,
            analysis.posting.posted_at) == (BoardSource.GREENHOUSE, "acme", "7", "https://acme.example/7",
                                            "https://acme.example/7/apply", "jobs@acme.example", NOW)


def test_a_decision_is_dated_when_the_user_found_the_posting_and_stays_so_on_replay() -> None:
    """A posting analyzed a month before the user found it: their decision is dated by their discovery (not by the
    analysis, not by the clock), and the same records processed again days later give the very same decision."""
    found_at = NOW + timedelta(days=30)
    events: list[object] = [
        UserProfile(event_id="p1", user_id="u1", occurred_at=NOW, email="u1@example.org", profile_version=1,
                    preferences={}, profile_json=json.dumps({"basics": {"name": "U"}, "skills": [
                        {"name": "Backend", "keywords": ["Python", "Kafka"]}]})),
        JobDiscovered(event_id="d1", user_id="u1", occurred_at=found_at, canonical_job_id="greenhouse:acme:1",
                      search_name="s", title="Backend Engineer", company="Acme", profile_version=1),
    ]
    found = analysis(1, TEXTS[0])
    events.append(AnalysisDelivered(event_id="del-1", occurred_at=NOW, user_id="u1",
                                    canonical_job_id=found.canonical_job_id, analysis=found, posting_at=NOW,
                                    for_version=1))
    _, outputs = process(user_step, None, events, analysis_ports)
    [request] = [o for o in outputs if isinstance(o, AnalysisRequested)]
    [decided] = [o for o in outputs if isinstance(o, JobAnalyzed)]
    assert request.occurred_at == found_at and decided.occurred_at == found_at
    assert process(user_step, None, events, analysis_ports, now=NOW + timedelta(days=40))[1] == outputs
