"""The learner finds the variant that gets more interviews in under TARGET_OUTCOMES outcomes, on several seeds,
and the same check fails for a learner that never sees an outcome."""

from __future__ import annotations

from evaluation.learning_simulation import BEST, STAY, TARGET_OUTCOMES, run, simulate

SEEDS = range(1, 6)
OUTCOMES = 2 * (TARGET_OUTCOMES + STAY)  # half of them Senior: room for the target and the STAY after it


def test_the_learner_prefers_the_best_variant_within_the_target_on_every_seed() -> None:
    summary = simulate(SEEDS, OUTCOMES)
    assert summary.worst_prefers_after is not None and summary.worst_prefers_after < TARGET_OUTCOMES
    assert summary.target_met
    # And it sends the best variant to Senior postings more often than a uniform pick would (one in three).
    assert all(r.best_share_senior > 0.4 for r in summary.runs)


def test_a_learner_that_ignores_outcomes_fails_the_same_check() -> None:
    summary = simulate(SEEDS, OUTCOMES, learn=False)
    assert not summary.target_met
    assert summary.worst_prefers_after is None
    learned, ignored = run(1, OUTCOMES), run(1, OUTCOMES, learn=False)
    assert learned.regret < ignored.regret


def test_a_run_is_reproducible_from_its_seed() -> None:
    assert run(7, 300) == run(7, 300)
    assert BEST in {"experience_first-v1", "projects_first-v1", "skills_first-v1"}
