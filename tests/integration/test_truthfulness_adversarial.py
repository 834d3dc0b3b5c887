"""Issue 17's measure: an adversarial model behind the real AI gateway (litellm against a local OpenAI-compatible
server that lies on purpose, budgets in the stack's Redis), every kind of invented fact in four languages, faithful
paraphrases, invented requirements. Targets: no invented fact kept, at least 90 % of faithful paraphrases kept, no
invented requirement kept — and each layer (the edit check, the verifier) keeps no invented fact on its own."""

from __future__ import annotations

import asyncio

import pytest

from evaluation.truthfulness import FAITHFUL, Report, evaluate, report_lines
from evaluation.truthfulness_corpus import REQUIREMENTS, REWRITES
from streams.settings import Settings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def report(stack: Settings) -> Report:
    result = asyncio.run(evaluate(stack.redis_url))
    print("\n".join(report_lines(result)))
    return result


def test_every_case_reached_the_adversarial_model(report: Report) -> None:
    assert sum(t.offered for t in report.rewrites.values()) == len(REWRITES)
    assert sum(t.offered for t in report.requirements.values()) == sum(len(c.items) for c in REQUIREMENTS)
    assert not [f for f in report.failures if "not on the tailored resume" in f]


def test_no_invented_fact_is_kept(report: Report) -> None:
    assert report.invented_kept == 0, report.failures


def test_the_verifier_alone_keeps_no_invented_fact(report: Report) -> None:
    assert all(t.alone_kept == 0 for kind, t in report.rewrites.items() if kind != FAITHFUL)


def test_at_least_nine_in_ten_faithful_paraphrases_are_kept(report: Report) -> None:
    assert report.faithful_rate >= 0.9, report.failures


def test_no_invented_requirement_or_swapped_board_field_is_kept(report: Report) -> None:
    assert report.invented_requirements_kept == 0, report.failures
    assert report.requirements["faithful requirement"].kept == report.requirements["faithful requirement"].offered
