"""A posting's requirements, in three tiers: the LLM through the AI gateway when a provider is configured (and
within budget); else — and whenever the gateway fails — the extractor with the skill span model (the CRF trained
on SkillSpan, shipped in `textkit/models/`); and the vocabulary alone when that artifact is missing. The posting's
text goes to the LLM only as delimited data (`job_posting_messages`), and the answer must validate as
`JobRequirements`."""

from __future__ import annotations

import logging

from adapters.ai_gateway import AiGateway, AiGatewayError, job_posting_messages
from processors.analysis.extraction import extract_requirements
from streams.messages import BudgetCrossed, JobPosting, JobRequirements, PostingFields
from textkit.skill_spans import load_span_model

log = logging.getLogger(__name__)
TASK = "extract_requirements"
INSTRUCTION = (
    "Extract the job's requirements into the JSON schema: title, company, employment type, remote level, "
    "location, salary, years of experience and seniority, degree, responsibilities, qualifications, and the "
    "skills asked for (required, or nice to have). Use only what the posting states; leave a field empty "
    "when it does not say."
)
# The catalog's postings belong to no user: their spend counts against the job partition's cell budget.
CATALOG_USER = "catalog"


def posting_text(posting: JobPosting) -> str:
    return "\n".join([f"Title: {posting.title}", f"Company: {posting.company}",
                      f"Locations: {'; '.join(posting.locations) or 'not stated'}", "", posting.description_text])


async def requirements_for(
    posting: JobPosting, gateway: AiGateway, *, cell: int
) -> tuple[JobRequirements, str, list[BudgetCrossed]]:
    """(requirements, extractor name, budget events to publish)."""
    if gateway.enabled:
        try:
            result = await gateway.complete(
                task=TASK, schema=JobRequirements, user_id=CATALOG_USER, cell=cell,
                messages=job_posting_messages(instruction=INSTRUCTION, schema=JobRequirements,
                                              job_text=posting_text(posting)),
            )
        except AiGatewayError as exc:
            log.warning("LLM extraction of %s fell back to the deterministic extractor: %s",
                        posting.canonical_job_id, type(exc).__name__)
        else:
            return result.value, f"llm:{result.model}", [e.to_event() for e in result.budget_events]
    return (*offline_requirements(posting), [])


def offline_requirements(posting: PostingFields) -> tuple[JobRequirements, str]:
    """(requirements, extractor name) without an API: the span model's path when its artifact is installed
    ("model:skill-spans-crf"), else the vocabulary's ("deterministic")."""
    model = load_span_model()
    if model is None:
        return extract_requirements(posting), "deterministic"
    return extract_requirements(posting, spans=model), f"model:{model.name}"
