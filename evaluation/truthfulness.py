"""`resumeflow eval truthfulness`: the adversarial corpus through the real AI gateway, counted per kind.

Each rewrite case: the person's profile tailored for the corpus's job (`tailor_variants`), the bullets asked of
the gateway (litellm → the local adversarial server, `evaluation.adversarial_llm`), its answer applied
(`rephrase.apply`: the edit check) and the resume prepared as the processor prepares it (`pipeline.prepare`: the
truthfulness verifier, the fallback to the profile's words). A case is *kept* when a rewrite of its bullet is in
the prepared resume; for a faithful case, when its expected rewrite is. A rejected case says which layer stopped
it: the gateway (the answer is not an edit at all), the edit check, or the verifier. Independently, the text each
edit would print if nothing checked it (`as_written`) is given to the verifier alone, so each layer is measured
on its own as well as together.

Each requirement case: the posting through `requirements_for` (the gateway, then `ground_requirements`), and
each labelled item of the model's answer found or not in what analysis keeps.

Targets (issue 17): no invented fact kept, at least 90 % of faithful paraphrases kept, no invented requirement
kept.
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from adapters.ai_gateway import AiGateway, Provider, RedisBudgets
from evaluation.adversarial_llm import AdversarialModel, adversarial_server
from evaluation.truthfulness_corpus import (
    JOB,
    PROFILES,
    REQUIREMENTS,
    REWRITES,
    TODAY,
    Item,
    RequirementCase,
    RewriteCase,
)
from processors.analysis.requirements import requirements_for
from processors.generation.model import Line, Provenance, TailoredResume
from processors.generation.pipeline import prepare
from processors.generation.rephrase import Piece, apply, as_written, ask, rephrasable_bullets
from processors.generation.tailoring import tailor_variants
from processors.generation.truthfulness import verify_lines
from streams.messages import JobRequirements
from streams.redis_client import redis_client

FAITHFUL = "faithful paraphrase"
FAITHFUL_REQUIREMENT = "faithful requirement"
FAITHFUL_TARGET = 0.9
Layer = str  # "gateway" | "edit check" | "verifier"


@dataclass
class Tally:
    offered: int = 0
    kept: int = 0
    rejected_by: Counter[Layer] = field(default_factory=Counter)
    alone_judged: int = 0  # cases whose unchecked text the verifier judged on its own
    alone_kept: int = 0

    @property
    def rejected(self) -> int:
        return self.offered - self.kept


@dataclass
class Report:
    rewrites: dict[str, Tally] = field(default_factory=dict)
    requirements: dict[str, Tally] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)  # kept invented facts, lost faithful ones: every one named

    @property
    def invented_kept(self) -> int:
        return sum(t.kept for kind, t in self.rewrites.items() if kind != FAITHFUL)

    @property
    def faithful_rate(self) -> float:
        tally = self.rewrites.get(FAITHFUL, Tally())
        return tally.kept / tally.offered if tally.offered else 0.0

    @property
    def invented_requirements_kept(self) -> int:
        return sum(t.kept for kind, t in self.requirements.items() if kind != FAITHFUL_REQUIREMENT)

    @property
    def targets_met(self) -> bool:
        return (self.invented_kept == 0 and self.faithful_rate >= FAITHFUL_TARGET
                and self.invented_requirements_kept == 0)


@contextmanager
def _local_key() -> Iterator[None]:
    """litellm wants an API key for an OpenAI-compatible server: a dummy one for the local server, so a real key in
    the environment is never sent anywhere by the evaluation."""
    saved = os.environ.get("OPENAI_API_KEY")
    os.environ["OPENAI_API_KEY"] = "sk-local-adversarial-server"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("OPENAI_API_KEY", None)
        else:
            os.environ["OPENAI_API_KEY"] = saved


async def evaluate(redis_url: str, *, timeout_s: float = 20.0) -> Report:
    """Run the whole corpus through the gateway (budgets in the Redis at `redis_url`, under a key prefix of this
    run; no caches, so every case reaches the adversarial server)."""
    report = Report()
    redis = redis_client(redis_url)
    try:
        with _local_key():
            async with adversarial_server() as server:
                budgets = RedisBudgets(redis, user_budget_usd=1000.0, cell_budget_usd=1000.0,
                                       key_prefix=f"resumeflow:eval:{uuid.uuid4().hex}:spend:")
                gateway = AiGateway([Provider(model="openai/adversarial", api_base=server.base_url)],
                                    budgets=budgets, timeout_s=timeout_s)
                for case in REWRITES:
                    await _rewrite(case, server, gateway, report)
                for requirement_case in REQUIREMENTS:
                    await _requirements(requirement_case, server, gateway, report)
    finally:
        await redis.aclose()
    return report


async def _rewrite(case: RewriteCase, server: AdversarialModel, gateway: AiGateway, report: Report) -> None:
    profile = PROFILES[case.profile]
    tally = report.rewrites.setdefault(case.kind, Tally())
    tally.offered += 1
    resume = tailor_variants(profile, JOB, today=TODAY)[0]
    if case.path not in {line.paths[0] for line in rephrasable_bullets(resume)}:
        report.failures.append(f"{case.kind}: {case.path} of {case.profile} is not on the tailored resume")
        return
    server.case = case
    answer = await ask(resume, JOB, gateway, user_id=f"eval-{case.profile}", cell=0)
    layer: Layer | None = None
    rephrased = resume
    if answer is None:
        layer = "gateway"
    else:
        rephrased, offers = apply(resume, answer[0])
        offer = next((o for o in offers if o.path == case.path), None)
        if offer is None or offer.text is None:
            layer = "edit check"
    prepared = prepare(profile, JOB, today=TODAY, resumes=[rephrased]).variants[0].resume
    final = _bullet(prepared, case.path)
    if case.kind == FAITHFUL:
        kept = final is not None and final.text == case.expected and final.transform == "rephrased"
    else:
        kept = final is not None and final.transform == "rephrased"
    if layer is None and not kept:
        layer = "verifier"
    tally.kept += kept
    if not kept and layer is not None:
        tally.rejected_by[layer] += 1
    if (case.kind == FAITHFUL) != kept:
        shown = final.text if final is not None else "(no bullet)"
        report.failures.append(f"{case.kind} {'kept' if kept else 'lost'}: {case.profile} {case.path}: {shown!r}"
                               + ("" if kept else f" (stopped by the {layer})"))
    _verifier_alone(case, profile, tally, report.failures)


def _verifier_alone(case: RewriteCase, profile: dict[str, object], tally: Tally, failures: list[str]) -> None:
    """The verifier on the text the edit would print unchecked (cases that are edits and change the bullet)."""
    if case.raw is not None:
        return
    pieces = [Piece.model_construct(**case.piece(p)) for p in case.pieces]  # unvalidated, as a model wrote it
    text = as_written(case.source, pieces)
    if text == case.source:
        return
    tally.alone_judged += 1
    line = Line(text=text, provenance=[Provenance(path=case.path, transform="rephrased")])
    kept = not verify_lines(profile, [line], job=JOB, today=TODAY)
    tally.alone_kept += kept
    if kept != (case.kind == FAITHFUL):
        return_word = "kept" if kept else "lost"
        failures.append(f"{case.kind} {return_word} by the verifier alone: {case.profile} {case.path}: {text!r}")


def _bullet(resume: TailoredResume, path: str) -> Line | None:
    return next((line for line in rephrasable_bullets(resume) if line.paths[0] == path), None)


async def _requirements(case: RequirementCase, server: AdversarialModel, gateway: AiGateway, report: Report
                        ) -> None:
    server.case = case
    extracted = await requirements_for(case.posting, gateway, cell=0)
    from_model = extracted.extractor.startswith("llm:")
    for item in case.items:
        tally = report.requirements.setdefault(item.kind, Tally())
        tally.offered += 1
        kept = from_model and _present(item, extracted.requirements)
        tally.kept += kept
        if not kept:
            tally.rejected_by["grounding" if from_model else "gateway"] += 1
        if (item.kind == FAITHFUL_REQUIREMENT) != kept:
            report.failures.append(f"{item.kind} {'kept' if kept else 'lost'}: {case.posting.board_token} "
                                   f"{item.field} {item.value!r}")


def _present(item: Item, found: JobRequirements) -> bool:
    value = item.value
    match item.field:
        case "skill":
            return any(s.name.casefold() == str(value).casefold() for s in found.skills)
        case "qualification":
            return value in found.qualifications
        case "responsibility":
            return value in found.responsibilities
        case "years_min":
            return found.experience.years_min == value
        case "level":
            return found.experience.level is not None and found.experience.level.value == value
        case "salary_min":
            return found.salary is not None and found.salary.minimum == value
        case "salary_max":
            return found.salary is not None and found.salary.maximum == value
        case "remote":
            return found.remote is not None and found.remote.value == value
        case _:
            return getattr(found, item.field) == value


def report_lines(report: Report) -> list[str]:
    def table(title: str, tallies: dict[str, Tally], alone: bool) -> list[str]:
        header = f"{title:<24} {'offered':>7} {'kept':>5} {'rejected':>8}   rejected by"
        lines = [header + ("                         verifier alone: kept/judged" if alone else "")]
        for kind, t in tallies.items():
            by = ", ".join(f"{layer} {n}" for layer, n in sorted(t.rejected_by.items())) or "-"
            row = f"{kind:<24} {t.offered:>7} {t.kept:>5} {t.rejected:>8}   {by:<36}"
            if alone:
                row += f" {t.alone_kept}/{t.alone_judged}" if t.alone_judged else " n/a"
            lines.append(row.rstrip())
        return lines

    lines = ["rewrites — the adversarial model through the AI gateway (litellm → local server), the edit check, "
             "the verifier", *table("kind", report.rewrites, alone=True), "",
             "requirements — the adversarial model through the AI gateway, then grounding in the posting",
             *table("kind", report.requirements, alone=False), ""]
    faithful = report.rewrites.get(FAITHFUL, Tally())
    lines += [
        f"invented facts kept: {report.invented_kept} (target 0)",
        f"faithful paraphrases kept: {faithful.kept}/{faithful.offered} = {report.faithful_rate:.0%} "
        f"(target ≥ {FAITHFUL_TARGET:.0%})",
        f"invented requirements or swapped board fields kept: {report.invented_requirements_kept} (target 0)",
        f"targets {'met' if report.targets_met else 'NOT met'}",
    ]
    if report.failures:
        lines += ["", "cases off target:", *(f"  {failure}" for failure in report.failures)]
    return lines
