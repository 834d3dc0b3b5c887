"""The one way every stage draws a resume variant from the learner's posteriors."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.messages import ArmPosterior, SegmentPosterior, ats_score_band, choose_variant

VARIANTS = ["experience_first-v3", "projects_first-v3", "skills_first-v3"]


def _posterior(best: str) -> SegmentPosterior:
    return SegmentPosterior(segment="Senior", arms=[
        ArmPosterior(variant_id=v, alpha=60.0 if v == best else 5.0, beta=40.0 if v == best else 95.0)
        for v in VARIANTS])


@given(st.text(min_size=1, max_size=40))
def test_the_same_seed_draws_the_same_variant(seed: str) -> None:
    posterior = _posterior("projects_first-v3")
    assert choose_variant(VARIANTS, posterior, seed=seed) == choose_variant(list(reversed(VARIANTS)), posterior,
                                                                            seed=seed)


def test_a_clearly_better_variant_wins_most_draws_and_the_others_still_get_some() -> None:
    picks = Counter(choose_variant(VARIANTS, _posterior("projects_first-v3"), seed=f"app-{i}") for i in range(3000))
    assert picks["projects_first-v3"] / 3000 > 0.85
    # The exploration floor: each other variant about floor (0.05) of the draws.
    for other in ("experience_first-v3", "skills_first-v3"):
        assert 0.02 < picks[other] / 3000 < 0.09


def test_without_a_posterior_every_variant_is_drawn_about_equally() -> None:
    picks = Counter(choose_variant(VARIANTS, None, seed=f"app-{i}") for i in range(3000))
    assert all(0.28 < picks[v] / 3000 < 0.39 for v in VARIANTS)


def test_only_an_available_variant_is_drawn() -> None:
    assert choose_variant(["skills_first-v3"], _posterior("projects_first-v3"), seed="a") == "skills_first-v3"
    with pytest.raises(ValueError):
        choose_variant([], None, seed="a")


@pytest.mark.parametrize(("score", "band"), [(None, ""), (0.0, "<0.5"), (0.49, "<0.5"), (0.5, "0.5-0.6"),
                                             (0.87, "0.8-0.9"), (1.0, "0.9-1.0")])
def test_ats_score_band(score: float | None, band: str) -> None:
    assert ats_score_band(score) == band
