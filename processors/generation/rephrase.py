"""Optional LLM rephrasing of a tailored resume's bullets through the AI gateway — never required.

Each experience or project bullet may be rewritten to put what the job asks for first. A rewrite keeps the
profile path it came from with transform `rephrased`, so the truthfulness verifier then checks that every
number, name, date and skill in it is in the profile; a rejected rewrite falls back to the profile's words
(`pipeline.truthful`). The bullets and the job go to the model as delimited data; the answer is a list of
(index, text) pairs validated by pydantic, with no field that could do anything else.
"""

from __future__ import annotations

import logging
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from adapters.ai_gateway import AiGateway, AiGatewayError, build_messages
from processors.generation.model import Entry, Line, Provenance, ResumeSection, TailoredResume
from streams.messages import BudgetCrossed, JobRequirements

log = logging.getLogger(__name__)
TASK = "tailor_resume"
REPHRASED_KINDS = ("experience", "projects")
INSTRUCTION = (
    "Rewrite each numbered resume bullet so that what the job asks for comes first and reads clearly. Keep every "
    "fact exactly as stated: do not add or change any number, date, employer, title, degree, tool or skill, and "
    "do not merge bullets. Keep each bullet under 200 characters. Return every bullet with its number."
)


class RephrasedBullet(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    index: Annotated[int, Field(ge=0)]
    text: Annotated[str, Field(min_length=1, max_length=300)]


class Rephrasing(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    bullets: list[RephrasedBullet]


def rephrasable_bullets(resume: TailoredResume) -> list[Line]:
    return [bullet for section in resume.sections if section.kind in REPHRASED_KINDS
            for entry in section.entries for bullet in entry.bullets]


def _job_summary(job: JobRequirements) -> str:
    skills = ", ".join(s.name for s in job.skills)
    return f"{job.title} at {job.company}\nSkills asked for: {skills or 'not stated'}"


def apply(resume: TailoredResume, rephrasing: Rephrasing) -> TailoredResume:
    """`resume` with each bullet the model rewrote replaced by the rewrite, citing the original's paths."""
    originals = rephrasable_bullets(resume)
    rewrites = {b.index: b.text.strip() for b in rephrasing.bullets if b.index < len(originals)}
    replaced = {id(originals[i]): Line(text=text, provenance=[Provenance(path=p, transform="rephrased")
                                                               for p in originals[i].paths])
                for i, text in rewrites.items() if text and text != originals[i].text}

    def entry(e: Entry) -> Entry:
        return e.model_copy(update={"bullets": [replaced.get(id(b), b) for b in e.bullets]})

    def section(s: ResumeSection) -> ResumeSection:
        if s.kind not in REPHRASED_KINDS:
            return s
        return s.model_copy(update={"entries": [entry(e) for e in s.entries]})

    return resume.model_copy(update={"sections": [section(s) for s in resume.sections]})


async def rephrase(
    resume: TailoredResume, job: JobRequirements, gateway: AiGateway, *, user_id: str, cell: int
) -> tuple[TailoredResume, list[BudgetCrossed]]:
    """The resume with its bullets rephrased by the LLM, or unchanged when no provider is configured, the
    user is over budget, or every provider fails."""
    bullets = rephrasable_bullets(resume)
    if not gateway.enabled or not bullets:
        return resume, []
    numbered = "\n".join(f"{i}. {line.text}" for i, line in enumerate(bullets))
    messages = build_messages(instruction=INSTRUCTION, schema=Rephrasing,
                              data={"resume_bullets": numbered, "job_posting": _job_summary(job)})
    try:
        result = await gateway.complete(task=TASK, messages=messages, schema=Rephrasing, user_id=user_id, cell=cell)
    except AiGatewayError as exc:
        log.warning("rephrasing for user %s skipped: %s", user_id, type(exc).__name__)
        return resume, []
    return apply(resume, result.value), list(result.budget_events)
