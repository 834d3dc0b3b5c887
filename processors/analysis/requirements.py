"""A posting's requirements, in three tiers: the LLM through the AI gateway when a provider is configured (and
within budget); else — and whenever the gateway fails — the extractor with the skill span model (the CRF trained
on SkillSpan, shipped in `textkit/models/`, or the fine-tuned MiniLM tagger a deployment names in
`RESUMEFLOW_SKILL_TAGGER`); and the vocabulary alone when the CRF's artifact is missing. The posting's
text goes to the LLM only as delimited data (`job_posting_messages`), and the answer must validate as
`JobRequirements`.

A model's answer is then grounded in the posting (`ground_requirements`): company, title and location are the
board's structured fields, never the model's; every other requirement — each skill, qualification,
responsibility, the degree, the years, the level, the salary, the employment type and the workplace — is kept
only when it is found, normalized (`textkit.grounding`), in the posting's text or the board's fields. What is
not found is dropped, logged, counted (`resumeflow_analysis_dropped_requirements_total`) and returned.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import NamedTuple

from prometheus_client import REGISTRY, Counter

from adapters.ai_gateway import AiGateway, AiGatewayError, job_posting_messages
from adapters.skill_tagger import read_tagger
from processors.analysis.extraction import degree_levels, extract_requirements, names_level, remote_level
from streams.errors import UserError
from streams.messages import (
    BudgetCrossed,
    Experience,
    JobPosting,
    JobRequirements,
    PostingFields,
    RemoteLevel,
    RequiredSkill,
    Salary,
)
from streams.settings import Settings
from textkit.grounding import Reading, fold, read, ungrounded
from textkit.skill_spans import SpanFinder, load_span_model

log = logging.getLogger(__name__)
TASK = "extract_requirements"
INSTRUCTION = (
    "Extract the job's requirements into the JSON schema: title, company, employment type, remote level, "
    "location, salary, years of experience and seniority, degree, responsibilities, qualifications, and the "
    "skills asked for (required, or nice to have). Use only what the posting states, in its own words; leave a "
    "field empty when it does not say."
)
# The catalog's postings belong to no user: their spend counts against the job partition's cell budget.
CATALOG_USER = "catalog"
# Words a requirement may add around the posting's own without stating anything ("experience with Kafka").
REQUIREMENT_WORDS = frozenset({"experience", "knowledge", "skills", "skill", "ability", "proficiency",
                               "familiarity", "understanding", "required", "preferred", "years", "year"})
_REMOTE_WORDS = {RemoteLevel.FULL: ("remote",), RemoteLevel.HYBRID: ("hybrid",),
                 RemoteLevel.NONE: ("on-site", "onsite", "on site", "in office", "in-office")}


class Extracted(NamedTuple):
    requirements: JobRequirements
    extractor: str
    budget_events: list[BudgetCrossed]
    dropped: list[str]  # what the model said that the posting does not (empty for the offline extractors)


class Grounded(NamedTuple):
    requirements: JobRequirements
    dropped: list[str]


def posting_text(posting: PostingFields) -> str:
    return "\n".join([f"Title: {posting.title}", f"Company: {posting.company}",
                      f"Locations: {'; '.join(posting.locations) or 'not stated'}", "", posting.description_text])


async def requirements_for(posting: JobPosting, gateway: AiGateway, *, cell: int,
                           spans: SpanFinder | None = None) -> Extracted:
    """The posting's requirements, the extractor's name, budget events to publish, and what was dropped. `spans`:
    the offline tier's span model (default: the shipped CRF, `span_finder`)."""
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
            grounded = ground_requirements(posting, result.value)
            if grounded.dropped:
                log.warning("LLM extraction of %s: %d requirements not found in the posting dropped: %s",
                            posting.canonical_job_id, len(grounded.dropped), "; ".join(grounded.dropped)[:1000])
                _dropped_counter().inc(len(grounded.dropped))
            return Extracted(grounded.requirements, f"llm:{result.model}",
                             [e.to_event() for e in result.budget_events], grounded.dropped)
    spans = spans or load_span_model()
    if spans is not None and spans.in_thread:
        requirements, extractor = await asyncio.to_thread(offline_requirements, posting, spans)
    else:
        requirements, extractor = offline_requirements(posting, spans)
    return Extracted(requirements, extractor, [], [])


@functools.cache
def _dropped_counter() -> Counter:
    return Counter("resumeflow_analysis_dropped_requirements", "LLM requirements not found in their posting",
                   registry=REGISTRY)


def span_finder(settings: Settings) -> SpanFinder | None:
    """The offline tier's span model: the fine-tuned MiniLM tagger at `RESUMEFLOW_SKILL_TAGGER` when set, else the
    shipped CRF (None when its artifact is missing: the vocabulary alone). Raises UserError, naming the setting,
    for a tagger file that cannot be read or is not one: a setting that names a model must not fall back quietly
    (the worker stops at start, in `warm_up`, with that message).
    Blocking (loads torch weights, seconds): async callers run it in a thread."""
    if settings.skill_tagger is None:
        return load_span_model()
    try:
        return read_tagger(settings.skill_tagger.resolve())
    except (OSError, ValueError) as exc:
        raise UserError(f"RESUMEFLOW_SKILL_TAGGER: {exc}") from exc


def offline_requirements(posting: PostingFields, spans: SpanFinder | None = None) -> tuple[JobRequirements, str]:
    """(requirements, extractor name) without an API: the span model's path ("model:skill-spans-crf", or
    "model:skill-spans-minilm" for `spans` the tagger) when there is a model, else the vocabulary's
    ("deterministic"). `spans` defaults to the shipped CRF."""
    model = spans or load_span_model()
    if model is None:
        return extract_requirements(posting), "deterministic"
    return extract_requirements(posting, spans=model), f"model:{model.name}"


# --- grounding a model's answer ---------------------------------------------------------------------------------


def ground_requirements(posting: PostingFields, answer: JobRequirements) -> Grounded:
    """`answer` with the board's company, title and location, and only the requirements found in the posting."""
    text = posting_text(posting)
    source = read(text)
    dropped: list[str] = []
    board_location = "; ".join(posting.locations) or None
    for name, said, board in (("company", answer.company, posting.company), ("title", answer.title, posting.title),
                              ("location", answer.location, board_location)):
        if said and fold(said.strip()) != fold((board or "").strip()):
            dropped.append(f"{name} {said!r} (the board says {board!r})")

    skills: list[RequiredSkill] = []
    for skill in answer.skills:
        keywords = [k for k in skill.keywords if _found(k, source)]
        if _found(skill.name, source) or keywords:
            skills.append(skill.model_copy(update={"keywords": keywords}))
        else:
            dropped.append(f"skill {skill.name!r}")

    def sentences(kind: str, items: list[str]) -> list[str]:
        kept = []
        for item in items:
            if ungrounded(item, source, extra_words=REQUIREMENT_WORDS, qualifiers_kept=False):
                dropped.append(f"{kind} {item[:80]!r}")
            else:
                kept.append(item)
        return kept

    responsibilities = sentences("responsibility", answer.responsibilities)
    qualifications = sentences("qualification", answer.qualifications)
    degree = answer.degree
    if degree and not _degree_found(degree, text, source):
        dropped.append(f"degree {degree!r}")
        degree = None
    experience = _experience(answer.experience, text, source, dropped)
    salary = _salary(answer.salary, posting, source, dropped)
    employment_type = answer.type
    if employment_type and fold(employment_type) != fold(posting.employment_type or "") \
            and not _found(employment_type, source):
        dropped.append(f"type {employment_type!r}")
        employment_type = None
    remote = answer.remote
    if remote is not None and remote is not remote_level(posting) \
            and not any(word in fold(text) for word in _REMOTE_WORDS[remote]):
        dropped.append(f"remote {remote.value!r}")
        remote = None
    grounded = answer.model_copy(update={
        "title": posting.title, "company": posting.company, "location": board_location, "skills": skills,
        "responsibilities": responsibilities, "qualifications": qualifications, "degree": degree,
        "experience": experience, "salary": salary, "type": employment_type, "remote": remote,
    })
    return Grounded(grounded, dropped)


def _found(phrase: str, source: Reading) -> bool:
    """`phrase` occurs in the posting: its words in a row (by their keys), or a skill of the same canonical name."""
    words = read(phrase, language=source.language)
    if not words.tokens:
        return False
    if set(words.skills) & set(source.skills):
        return True
    wanted = [t.keys for t in words.tokens]
    tokens = source.tokens
    return any(all(wanted[j] & tokens[i + j].keys for j in range(len(wanted)))
               for i in range(len(tokens) - len(wanted) + 1))


def _degree_found(degree: str, text: str, source: Reading) -> bool:
    levels = degree_levels(degree)
    if levels and not levels <= degree_levels(text):
        return False
    extra = {"degree", "bachelor", "bachelors", "master", "masters", "phd", "or", "equivalent"} if levels else set()
    return not ungrounded(degree, source, extra_words=extra, qualifiers_kept=False)


def _experience(said: Experience, text: str, source: Reading, dropped: list[str]) -> Experience:
    years = {t.text for i, t in enumerate(source.tokens) if t.kind == "number"
             and any("year" in n.keys for n in source.tokens[i + 1:i + 4])}
    kept = {}
    for name in ("years_min", "years_max"):
        value = getattr(said, name)
        if value is not None and str(value) not in years:
            dropped.append(f"experience {name} {value}")
            value = None
        kept[name] = value
    level = said.level
    if level is not None and not names_level(level, text):
        dropped.append(f"experience level {level.value!r}")
        level = None
    return Experience(years_min=kept["years_min"], years_max=kept["years_max"], level=level)


def _salary(said: Salary | None, posting: PostingFields, source: Reading, dropped: list[str]) -> Salary | None:
    if said is None:
        return None
    board = {posting.salary_min, posting.salary_max} - {None}
    numbers = source.numbers
    kept = {}
    for name in ("minimum", "maximum"):
        value = getattr(said, name)
        if value is not None and value not in board and str(value) not in numbers:
            dropped.append(f"salary {name} {value}")
            value = None
        kept[name] = value
    currency = said.currency
    if currency and fold(currency) != fold(posting.salary_currency or "") and not _found(currency, source) \
            and not any(t.text in _CURRENCY_SYMBOLS.get(currency.upper(), ()) for t in source.tokens):
        dropped.append(f"salary currency {currency!r}")
        currency = None
    if kept["minimum"] is None and kept["maximum"] is None:
        return None
    return Salary(minimum=kept["minimum"], maximum=kept["maximum"], currency=currency)


_CURRENCY_SYMBOLS = {"USD": ("$",), "EUR": ("€",), "GBP": ("£",), "JPY": ("¥",), "INR": ("₹",)}
