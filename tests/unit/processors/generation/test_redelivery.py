"""Generation's cell under redelivery (hypothesis): a profile or a decision processed again changes nothing and
emits no new event id — and a decision already answered is not tailored or rendered again."""

from __future__ import annotations

import hashlib
import json

from hypothesis import given
from hypothesis import strategies as st

from processors.generation.model import Rendered, RenderResumes, Rephrase, Rephrased, StoredVariant
from processors.generation.step import step
from streams.messages import JobAnalyzed, JobRequirements, MatchDecision, RequiredSkill, UserProfile
from streams.processor import PortRequest, PortResult
from tests.support.redelivery import NOW, assert_redelivery_changes_nothing

PROFILES = [
    {"basics": {"name": "Ada Park", "email": "ada@example.org"},
     "work": [{"name": "Acme", "position": "Engineer", "startDate": "2019-01",
               "highlights": ["Built Kafka pipelines in Python"]}],
     "skills": [{"name": "Backend", "keywords": ["Python", "Kafka"]}]},
    {"basics": {"name": "Ada Park", "email": "ada@example.org"},
     "work": [{"name": "Acme", "position": "Senior Engineer", "startDate": "2019-01",
               "highlights": ["Built Kafka pipelines in Python", "Ran PostgreSQL"]}],
     "skills": [{"name": "Backend", "keywords": ["Python", "Kafka", "PostgreSQL"]}]},
]
REQUIREMENTS = [JobRequirements(title="Backend Engineer", company="ExampleCorp",
                                skills=[RequiredSkill(name=s) for s in skills])
                for skills in (["Python"], ["Kafka", "PostgreSQL"])]


def ports(request: PortRequest) -> list[PortResult]:
    """No LLM; rendering stands in as the content hash of each variant (what the artifact store would return)."""
    match request:
        case Rephrase():
            return [Rephrased(decision=request.decision, resumes=request.resumes)]
        case RenderResumes():
            variants = []
            for v in request.prepared.variants:
                digest = hashlib.sha256(v.resume.model_dump_json().encode()).hexdigest()
                variants.append(StoredVariant(variant_id=v.resume.variant_id, template=v.template,
                                              ats_score=v.ats.after.score, provenance_summary=v.provenance_summary,
                                              artifact_uri=f"file:///a/{digest}.pdf", sha256=digest,
                                              resume_json_uri=f"file:///a/{digest}.json"))
            return [Rendered(decision=request.decision, variants=variants)]
    raise AssertionError(request)


@st.composite
def events(draw: st.DrawFn) -> list[object]:
    out: list[object] = []
    version = 0
    for _ in range(draw(st.integers(1, 6))):
        if draw(st.booleans()):
            version += 1  # the profiles processor publishes versions in order
            out.append(UserProfile(event_id=f"p{version}", user_id="u1", occurred_at=NOW, email="ada@example.org",
                                   profile_version=version, preferences={},
                                   profile_json=json.dumps(PROFILES[version % len(PROFILES)])))
        else:
            job = draw(st.integers(1, 2))
            content = draw(st.integers(0, 1))  # the posting's content: a new one is a new decision
            proceed = (job, content) != (2, 1)  # one decision, one id, one content
            out.append(JobAnalyzed(
                event_id=f"analyzed-{job}-{content}", user_id="u1", occurred_at=NOW,
                canonical_job_id=f"greenhouse:examplecorp:{job}", score=0.8 if proceed else 0.2,
                decision=MatchDecision.PROCEED if proceed else MatchDecision.SKIP,
                requirements=REQUIREMENTS[content] if proceed else None))
    return out


@given(data=st.data(), history=events())
def test_a_users_generation_cell_answers_each_decision_once(data: st.DataObject, history: list[object]) -> None:
    start = data.draw(st.integers(0, len(history) - 1))
    assert_redelivery_changes_nothing(step, None, history, start, port=ports)
