"""A posting's requirements: from the LLM through the AI gateway when a provider is configured (and within
budget), else — and whenever the gateway fails — from the deterministic extractor. The posting's text goes to
the model only as delimited data (`job_posting_messages`), and the answer must validate as `JobRequirements`."""

from __future__ import annotations

import logging

from adapters.ai_gateway import AiGateway, AiGatewayError, job_posting_messages
from processors.analysis.extraction import extract_requirements
from streams.messages import BudgetCrossed, JobPosting, JobRequirements

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
    return extract_requirements(posting), "deterministic", []
