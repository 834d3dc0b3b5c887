"""A job given by hand to `resumeflow render --job FILE`: a JSON Resume job-schema document or a plain-text
posting, read into the same `JobRequirements` analysis produces.

Both go through the offline extractor analysis uses by default without an LLM (`offline_requirements`: years,
level, degree, and skills from the text by the vocabulary and the shipped CRF span model when it is installed;
never a deployment's `RESUMEFLOW_SKILL_TAGGER`, which is analysis's alone). A job-schema file's own
`skills` come first and count as required; its `responsibilities` and `qualifications` are kept as written.
Reading a file is the only I/O; `job_from_text` and `job_from_document` are pure.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from processors.analysis.requirements import offline_requirements
from processors.discovery.model import FetchedPosting
from streams.errors import UserError
from streams.messages import BoardSource, JobRequirements, RemoteLevel, RequiredSkill, Seniority, Workplace


class JobInputError(UserError):
    """A job given by the user cannot be read: say what to fix."""


_WORKPLACES = {"Full": Workplace.REMOTE, "Hybrid": Workplace.HYBRID, "None": Workplace.ONSITE}
_MAX_TITLE = 200


def job_from_file(path: str | Path) -> tuple[JobRequirements, str]:
    """The requirements and the job's text. A file whose content parses as a JSON object is a job-schema
    document; anything else is a plain-text posting."""
    try:
        raw = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise JobInputError(f"cannot read the job file {path}: {exc}") from exc
    try:
        document = json.loads(raw)
    except json.JSONDecodeError:
        return job_from_text(raw)
    if not isinstance(document, dict):
        raise JobInputError(f"{path}: a JSON job must be an object in JSON Resume's job-schema shape")
    return job_from_document(document)


def job_from_text(text: str) -> tuple[JobRequirements, str]:
    """A plain-text posting: the first non-empty line is the title ("Backend Engineer at Acme" names the company
    too, as does a "Company: Acme" line); the rest is the description."""
    lines = [line.strip() for line in text.splitlines()]
    content = [line for line in lines if line]
    if not content:
        raise JobInputError("the job text is empty")
    title, company = content[0][:_MAX_TITLE], ""
    if " at " in title:
        title, company = (part.strip() for part in title.rsplit(" at ", 1))
    for line in content[1:]:
        if line.lower().startswith("company:"):
            company = line.split(":", 1)[1].strip()
            break
    first = lines.index(content[0])
    description = "\n".join(lines[first + 1:]).strip()
    posting = _posting(title, company, description, text)
    return offline_requirements(posting)[0], text


def job_from_document(document: dict[str, Any]) -> tuple[JobRequirements, str]:
    title = str(document.get("title") or "").strip()
    if not title:
        raise JobInputError("a job-schema document needs a title")
    company = str(document.get("company") or "").strip()
    responsibilities = [str(x) for x in document.get("responsibilities") or [] if str(x).strip()]
    qualifications = [str(x) for x in document.get("qualifications") or [] if str(x).strip()]
    parts = [str(document.get("description") or "").strip()]
    if responsibilities:
        parts += ["Responsibilities", *(f"- {x}" for x in responsibilities)]
    if qualifications:
        parts += ["Requirements", *(f"- {x}" for x in qualifications)]
    description = "\n".join(p for p in parts if p)
    location = document.get("location") or {}
    places = [", ".join(str(location[k]) for k in ("city", "region", "countryCode") if location.get(k))] \
        if isinstance(location, dict) else []
    posting = _posting(
        title, company, description, json.dumps(document, sort_keys=True),
        locations=[p for p in places if p], employment_type=document.get("type"),
        workplace=_WORKPLACES.get(str(document.get("remote")), Workplace.UNKNOWN),
    )
    extracted, _ = offline_requirements(posting)
    stated = [RequiredSkill(name=str(s["name"])[:120], level=s.get("level"),
                            keywords=[str(k)[:120] for k in s.get("keywords") or []])
              for s in document.get("skills") or [] if isinstance(s, dict) and str(s.get("name") or "").strip()]
    named = {s.name.casefold() for s in stated} | {k.casefold() for s in stated for k in s.keywords}
    skills = [*stated, *(s for s in extracted.skills if s.name.casefold() not in named)]
    stated_level = str(document.get("experience") or "").strip().casefold()
    level = next((s for s in Seniority if s.value.casefold() == stated_level), extracted.experience.level)
    requirements = extracted.model_copy(update={
        "skills": skills,
        "responsibilities": [x[:500] for x in responsibilities] or extracted.responsibilities,
        "qualifications": [x[:500] for x in qualifications] or extracted.qualifications,
        "remote": RemoteLevel(document["remote"]) if document.get("remote") in _WORKPLACES else extracted.remote,
        "experience": extracted.experience.model_copy(update={"level": level}),
    })
    job_text = "\n".join([f"{title} at {company}" if company else title, description])
    return JobRequirements.model_validate(requirements.model_dump()), job_text


def _posting(title: str, company: str, description: str, identity: str, **fields: Any) -> FetchedPosting:
    digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
    return FetchedPosting(
        source=BoardSource.FILE, board_token="local", source_job_id=digest, title=title, company=company,
        url=f"file:job/{digest}", description_text=description,
        **{k: v for k, v in fields.items() if v is not None},
    )
