"""Fuzzy skill overlap: which required skills a candidate has under another name ("Postgres" for "PostgreSQL",
"ML" for "machine learning"), by cosine similarity of sentence embeddings.

The embedding model is a port: callers pass `embed`, a function from texts to vectors (in production the
MiniLM model the analysis agent loads once; in tests the same model from a session fixture). Nothing here
loads a model or does I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

Embed = Callable[[list[str]], "npt.ArrayLike"]
DEFAULT_THRESHOLD = 0.8


def fuzzy_skill_overlap(
    candidate_skills: list[str], required: list[str], embed: Embed, *, threshold: float = DEFAULT_THRESHOLD
) -> list[tuple[str, str, float]]:
    """For each required skill the candidate covers, `(required, best_candidate, similarity)`, in the order of
    `required`. A case-insensitive exact name match counts as 1.0 without embedding; otherwise the candidate
    skill with the highest cosine similarity counts when it reaches `threshold`."""
    candidates = _distinct(candidate_skills)
    wanted = _distinct(required)
    if not candidates or not wanted:
        return []
    by_name = {name.casefold(): name for name in candidates}
    unmatched = [skill for skill in wanted if skill.casefold() not in by_name]
    best: dict[str, tuple[str, float]] = {}
    if unmatched:
        vectors = _unit_rows(embed([*unmatched, *candidates]))
        similarity = vectors[: len(unmatched)] @ vectors[len(unmatched):].T
        for row, skill in enumerate(unmatched):
            column = int(np.argmax(similarity[row]))
            best[skill] = (candidates[column], float(similarity[row, column]))
    overlap: list[tuple[str, str, float]] = []
    for skill in wanted:
        exact = by_name.get(skill.casefold())
        if exact is not None:
            overlap.append((skill, exact, 1.0))
        elif best[skill][1] >= threshold:
            overlap.append((skill, best[skill][0], round(best[skill][1], 4)))
    return overlap


def _distinct(names: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    kept: list[str] = []
    for name in names:
        name = name.strip()
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            kept.append(name)
    return kept


def _unit_rows(vectors: npt.ArrayLike) -> npt.NDArray[np.float64]:
    matrix = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)
