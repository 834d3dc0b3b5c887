"""Generation's ports: LLM rephrasing through the AI gateway, and rendering with the artifact store. Rendering
(Typst) is CPU work and runs in a thread; artifacts are stored by content hash, so doing it twice stores nothing
new."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence

from adapters.ai_gateway import AiGateway, providers_from_settings
from adapters.artifacts import LocalArtifactStore
from adapters.embeddings import MiniLmEmbedder
from adapters.transient import outages
from processors.generation.errors import GenerationError
from processors.generation.fonts import drawable, typst_fonts
from processors.generation.model import Rendered, RenderFailed, RenderResumes, Rephrase, Rephrased, StoredVariant
from processors.generation.pipeline import render
from processors.generation.render_typst import RenderError
from processors.generation.rephrase import rephrase
from streams.messages import BudgetCrossed
from streams.processor import PortRequest, PortResult
from streams.settings import Settings
from textkit.skills import default_matcher

log = logging.getLogger(__name__)


class GenerationPorts:
    def __init__(self, gateway: AiGateway, artifacts: LocalArtifactStore) -> None:
        self._gateway = gateway
        self._artifacts = artifacts

    async def run(self, request: PortRequest, *, cell: int) -> Sequence[PortResult]:
        match request:
            case Rephrase():
                return [await self._rephrase(request, cell)]
            case RenderResumes():
                return [await asyncio.to_thread(self._render, request)]
        raise TypeError(f"generation has no port for {type(request).__name__}")

    async def _rephrase(self, request: Rephrase, cell: int) -> Rephrased:
        requirements = request.decision.requirements
        if not self._gateway.enabled or requirements is None:  # optional: the tailoring stands on its own
            return Rephrased(decision=request.decision, resumes=request.resumes)
        resumes, crossed = [], []
        async with outages("Redis (AI budgets and cache)"):
            for resume in request.resumes:
                rephrased, events = await rephrase(resume, requirements, self._gateway,
                                                   user_id=request.decision.user_id, cell=cell)
                resumes.append(rephrased)
                crossed += events
        budget: tuple[BudgetCrossed, ...] = tuple(crossed)
        return Rephrased(decision=request.decision, resumes=resumes, budget_events=budget)

    def _render(self, request: RenderResumes) -> Rendered | RenderFailed:
        requirements = request.decision.requirements
        assert requirements is not None  # step only prepares decisions that carry them
        profile = json.loads(request.profile_json) if request.profile_json else None
        try:
            generated = render(request.prepared, job=requirements, profile=profile, today=request.today)
        except (RenderError, GenerationError) as exc:
            log.exception("rendering for %s failed", request.decision.canonical_job_id)
            return RenderFailed(decision=request.decision, reason=str(exc)[:1000])
        put = self._artifacts.for_owner(request.decision.user_id).put
        stored = []
        for variant in generated.variants:
            pdf = put(variant.pdf, suffix=".pdf", content_type="application/pdf")
            put(variant.html.encode(), suffix=".html", content_type="text/html")
            put(variant.markdown.encode(), suffix=".md", content_type="text/markdown")
            resume_json = put(variant.resume.model_dump_json().encode(), suffix=".json",
                              content_type="application/json")
            stored.append(StoredVariant(variant_id=variant.resume.variant_id, template=variant.template,
                                        ats_score=variant.ats.after.score,
                                        provenance_summary=variant.provenance_summary, artifact_uri=pdf.uri,
                                        sha256=pdf.sha256, resume_json_uri=resume_json.uri,
                                        render_notes=variant.report.notes()))
        letter = put(generated.letter_pdf, suffix=".pdf", content_type="application/pdf")
        return Rendered(decision=request.decision, variants=stored, cover_letter_uri=letter.uri,
                        cover_letter_sha256=letter.sha256)

    async def close(self) -> None:
        await self._gateway.close()


def warm_up(settings: Settings) -> None:
    """Before the worker joins its group: the fonts (Typst's and the packaged Noto chain with its coverage, read
    from every font file), the skill matcher tailoring uses, and, when the AI gateway will use its semantic cache
    (a provider configured), MiniLM with one encode — each otherwise loaded inside the first batch."""
    typst_fonts()
    drawable()
    default_matcher()
    if settings.ai_semantic_cache and providers_from_settings(settings):
        MiniLmEmbedder().warm()  # the gateway's embedder shares this copy of the model


async def open_ports(settings: Settings) -> GenerationPorts:
    async with outages("Redis or PostgreSQL (the AI gateway's caches)"):
        gateway = await AiGateway.start(settings)
    return GenerationPorts(gateway, LocalArtifactStore(settings.artifact_dir))
