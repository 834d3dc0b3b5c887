"""RememberedVectors: the rows `embed` would give, embedding each text once while it is remembered."""

from __future__ import annotations

import hashlib

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from adapters.embeddings import RememberedVectors


class CountingEmbed:
    """A deterministic stand-in for a model (a vector from the text's hash), counting what it was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.asked += texts
        rows = [np.frombuffer(hashlib.sha256(t.encode()).digest(), dtype=np.uint8)[:8].astype(np.float32)
                for t in texts]
        return np.stack(rows) if rows else np.zeros((0, 8), dtype=np.float32)


@given(st.lists(st.lists(st.sampled_from(["Python", "SQL", "Kafka", "ML", "Go", "Rust", "dbt"]), max_size=8),
                max_size=6))
def test_rows_are_what_embed_gives_and_each_text_is_embedded_once(calls: list[list[str]]) -> None:
    embed = CountingEmbed()
    remembered = RememberedVectors(embed)
    for texts in calls:
        np.testing.assert_array_equal(remembered(texts), CountingEmbed()(texts))
    assert sorted(embed.asked) == sorted({t for texts in calls for t in texts})


def test_the_least_recently_used_text_is_forgotten_first() -> None:
    embed = CountingEmbed()
    remembered = RememberedVectors(embed, max_texts=2)
    remembered(["a", "b"])
    remembered(["a"])  # "a" is now the most recently used
    remembered(["c"])  # forgets "b"
    embed.asked.clear()
    remembered(["a", "b", "c"])
    assert embed.asked == ["b"]


def test_no_texts_asks_the_model_for_nothing() -> None:
    embed = CountingEmbed()
    assert RememberedVectors(embed)([]).shape == (0, 8)
