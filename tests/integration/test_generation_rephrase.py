"""LLM rephrasing through the AI gateway (real litellm against a local OpenAI-compatible server, real Redis and
PostgreSQL): the model answers edits of the bullets' own words, the edit check and the truthfulness verifier judge
them — a faithful edit stays, an invented fact falls back, free text is not an answer at all."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import date

import pytest

from adapters.ai_gateway import AiGateway
from cli.job_file import job_from_file
from processors.generation.model import TailoredResume
from processors.generation.pipeline import truthful
from processors.generation.rephrase import rephrasable_bullets, rephrase
from processors.generation.tailoring import tailor_variants
from streams.settings import Settings
from tests.conftest import FIXTURES
from tests.support.fake_openai import Reply, fake_openai_server, json_reply

pytestmark = pytest.mark.integration
TODAY = date(2026, 11, 28)
ORIGINAL = "Moved nightly batch jobs to Kafka streams, cutting data latency from 24 hours to 2 minutes"


@pytest.fixture(autouse=True)
def dummy_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-dummy-key-not-real")


def rephrased_and_verified(stack: Settings, answer: Reply | list[dict[str, object]] | None) -> TailoredResume:
    profile = json.loads((FIXTURES / "profile_ada.json").read_text())
    job, _ = job_from_file(FIXTURES / "jobs" / "backend_engineer.txt")
    resume = tailor_variants(profile, job, today=TODAY)[0]
    index = [line.text for line in rephrasable_bullets(resume)].index(ORIGINAL)

    async def scenario() -> TailoredResume:
        async with fake_openai_server() as server:
            update = {}
            if answer is not None:
                server.then(answer if isinstance(answer, Reply) else
                            json_reply({"bullets": [{"index": index, "pieces": answer}]}))
                update = {"ai_providers_csv": "openai/test-model", "ai_api_bases_csv": server.base_url,
                          "ai_semantic_cache": False, "ai_timeout_s": 5.0}
            gateway = await AiGateway.start(stack.model_copy(update=update), key_prefix=f"rftest:{uuid.uuid4().hex}:")
            try:
                result, _ = await rephrase(resume, job, gateway, user_id="u-rephrase", cell=1)
            finally:
                await gateway.close()
            return result

    return truthful(profile, asyncio.run(scenario()), job, TODAY)


def bullet_texts(resume: TailoredResume) -> dict[str, str]:
    return {line.text: line.transform for line in rephrasable_bullets(resume)}


def test_a_faithful_edit_is_kept_and_marked_rephrased(stack: Settings) -> None:
    # "Reduced" is grounded by "cutting" (one verb class), "by" is a style word, "moving" re-inflects "Moved".
    edit = [{"word": "reduced"}, {"first": 8, "last": 15}, {"word": "by"}, {"first": 0, "last": 6, "form": "ing"}]
    texts = bullet_texts(rephrased_and_verified(stack, edit))
    rewrite = "Reduced data latency from 24 hours to 2 minutes by moving nightly batch jobs to Kafka streams"
    assert texts.get(rewrite) == "rephrased" and ORIGINAL not in texts


def test_an_edit_with_a_word_outside_the_closed_list_is_refused(stack: Settings) -> None:
    texts = bullet_texts(rephrased_and_verified(stack, [{"first": 0, "last": 15}, {"word": "with Rust"}]))
    assert texts.get(ORIGINAL) in ("verbatim", "selected") and len(texts) == 3


def test_an_edit_the_verifier_rejects_falls_back_to_the_profiles_words(stack: Settings) -> None:
    # "increased" is in the closed list, but nothing in the line grounds a rise: the verifier rejects it.
    texts = bullet_texts(rephrased_and_verified(stack, [{"word": "increased"}, {"first": 8, "last": 15}]))
    assert "Increased data latency from 24 hours to 2 minutes" not in texts
    assert texts.get(ORIGINAL) in ("verbatim", "selected")


def test_free_text_is_not_an_answer(stack: Settings) -> None:
    invented = "Moved nightly batch jobs to Kafka and Rust streams, cutting data latency from 24 hours to 1 minute"
    texts = bullet_texts(rephrased_and_verified(stack, json_reply({"bullets": [{"index": 0, "text": invented}]})))
    assert invented not in texts and texts.get(ORIGINAL) in ("verbatim", "selected")


def test_without_a_provider_the_tailored_bullets_stay(stack: Settings) -> None:
    assert bullet_texts(rephrased_and_verified(stack, None)).get(ORIGINAL) in ("verbatim", "selected")
