"""`resumeflow eval dedup`: dedup measured on real cross-board shapes (`evaluation/dedup_data.py` builds the set
from `../shared/data` at evaluation time).

Each part (tuning, held-out) is replayed as a stream: every posting in a seeded arrival order is analyzed as the
processor would — deterministic requirements, MiniLM embeddings of its summary (`embedding_text`) and of its
role chunks (`role_text`) — then its employer's aliases are learned from the earlier postings
(`candidates.known_aliases`) and its candidates found among them exactly as the vector store finds them
(`candidates.find_candidates` on in-memory rows: the nearest by embedding, the nearest among postings of the same
company entity across aliases, and the nearest of that entity with the same title), compared chunk by chunk,
and decided by the pure `decide_duplicate`, whose outcome later postings see (`canonical_of`).

Every pair of postings that the truth or the decision relates, and every pair the store put before the
decision, is scored: the confusion matrix over duplicate / same_role / different, duplicate precision and
recall, same-role accuracy, and every error with its evidence. `--fit` fits the two logistic models on the
tuning part only and reports the held-out part under the fitted model too (the shipped `DEFAULT_MODEL` was
fitted this way, seed 0).
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from adapters.embeddings import Embedder
from evaluation.dedup_data import EvalPosting, EvalSet, build, describe_set, pair_truth
from evaluation.glassdoor import load_glassdoor
from processors.analysis.candidates import IndexedPosting, find_candidates, known_aliases
from processors.analysis.dedup import (
    DEFAULT_MODEL,
    POSTING_FEATURES,
    ROLE_FEATURES,
    DedupCandidate,
    DedupDecision,
    DedupModel,
    Neighbour,
    compare,
    decide_duplicate,
    posting_features,
    role_features,
    score_pair,
    traits_and_chunks,
)
from processors.analysis.embedding_text import posting_embedding_text
from processors.analysis.extraction import extract_requirements
from processors.analysis.role_text import text_similarity

__all__ = ["LABELS", "evaluate", "fit_logistic", "load_glassdoor", "report_lines"]

LABELS = ("duplicate", "same_role", "different")


# --- embedding, with a cache on disk --------------------------------------------------------------------------


class CachedEmbedder:
    """Embeds each distinct text once per cache directory (vectors keyed by the text's sha256)."""

    def __init__(self, embedder: Embedder, directory: Path | None) -> None:
        self._embedder = embedder
        self._directory = directory
        self._memory: dict[str, np.ndarray] = {}
        self.embedded = 0
        if directory is not None and (directory / "vectors.npz").is_file():
            with np.load(directory / "vectors.npz") as stored:
                self._memory = {key: stored[key] for key in stored.files}

    def embed(self, texts: list[str]) -> np.ndarray:
        keys = [hashlib.sha256(text.encode()).hexdigest() for text in texts]
        missing = sorted({key: text for key, text in zip(keys, texts, strict=True) if key not in self._memory}.items())
        if missing:
            vectors = self._embedder.embed([text for _, text in missing])
            self.embedded += len(missing)
            for (key, _), vector in zip(missing, vectors, strict=True):
                self._memory[key] = vector
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([self._memory[key] for key in keys])

    def save(self) -> None:
        if self._directory is not None:
            self._directory.mkdir(parents=True, exist_ok=True)
            np.savez(self._directory / "vectors.npz", **self._memory)


# --- analysis of each posting, as the processor does it -------------------------------------------------------


@dataclass(frozen=True)
class Analyzed:
    item: EvalPosting
    traits: DedupCandidate
    indexed: IndexedPosting


def analyze(postings: Sequence[EvalPosting], embedder: CachedEmbedder) -> list[Analyzed]:
    """Each posting's traits, summary embedding and role chunks' embeddings (all texts embedded in one batch)."""
    summaries = embedder.embed([posting_embedding_text(p.posting) for p in postings])
    examined = [traits_and_chunks(p.posting, extract_requirements(p.posting)) for p in postings]
    vectors = embedder.embed([c.text for _, chunks in examined for c in chunks])
    analyzed: list[Analyzed] = []
    start = 0
    for item, summary, (traits, chunks) in zip(postings, summaries, examined, strict=True):
        mine = vectors[start:start + len(chunks)]
        start += len(chunks)
        analyzed.append(Analyzed(item, traits, IndexedPosting(
            traits=traits, canonical_of=None, embedding=summary, chunks=mine, chunk_words=[c.words for c in chunks])))
    return analyzed


# --- replay ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Replay:
    postings: list[Analyzed]  # with the traits each was decided with (aliases known then)
    candidates: list[list[Neighbour]]  # what the store showed each posting (canonical_of as decided then)
    decisions: list[DedupDecision]


def replay(analyzed: Sequence[Analyzed], model: DedupModel) -> Replay:
    stored: list[IndexedPosting] = []
    candidates: list[list[Neighbour]] = []
    decisions: list[DedupDecision] = []
    decided: list[Analyzed] = []  # each posting with the traits it was decided with (its aliases then)
    for a in analyzed:
        aliases = known_aliases(a.traits.company_names, [s.traits for s in stored])
        traits = a.traits.model_copy(update={"company_aliases": aliases}) if aliases else a.traits
        query = IndexedPosting(traits=traits, canonical_of=None, embedding=a.indexed.embedding,
                               chunks=a.indexed.chunks, chunk_words=a.indexed.chunk_words)
        neighbours = find_candidates(query, stored)
        decision = decide_duplicate(traits, neighbours, model)
        candidates.append(neighbours)
        decisions.append(decision)
        decided.append(replace(a, traits=traits))
        stored.append(IndexedPosting(traits=a.traits, canonical_of=decision.duplicate_of, embedding=a.indexed.embedding,
                                     chunks=a.indexed.chunks, chunk_words=a.indexed.chunk_words))
    return Replay(decided, candidates, decisions)


# --- scoring --------------------------------------------------------------------------------------------------


@dataclass
class PartScores:
    confusion: dict[str, Counter[str]]  # truth -> predicted -> pairs
    errors: list[str] = field(default_factory=list)
    hard_negatives: dict[str, tuple[int, int]] = field(default_factory=dict)  # kind -> (kept apart, total)

    def count(self, truth: str, predicted: str) -> int:
        return self.confusion.get(truth, Counter())[predicted]

    @property
    def duplicate_precision(self) -> float:
        predicted = sum(self.count(t, "duplicate") for t in LABELS)
        return self.count("duplicate", "duplicate") / predicted if predicted else 1.0

    @property
    def duplicate_recall(self) -> float:
        truth = sum(self.count("duplicate", p) for p in LABELS)
        return self.count("duplicate", "duplicate") / truth if truth else 1.0

    @property
    def same_role_accuracy(self) -> float:
        truth = sum(self.count("same_role", p) for p in LABELS)
        return self.count("same_role", "same_role") / truth if truth else 1.0

    @property
    def same_role_precision(self) -> float:
        predicted = sum(self.count(t, "same_role") for t in LABELS)
        return self.count("same_role", "same_role") / predicted if predicted else 1.0


def predicted_relations(run: Replay) -> tuple[dict[str, str], set[frozenset[str]]]:
    """Each posting's root, and the same-role links between roots."""
    root: dict[str, str] = {}
    for d in run.decisions:
        target = d.duplicate_of
        root[d.canonical_job_id] = root.get(target, target) if target else d.canonical_job_id
    links = {frozenset((root[d.canonical_job_id], root.get(other, other))) for d in run.decisions
             for other in d.same_role_as}
    return root, links


def score(run: Replay) -> PartScores:
    ids = [a.item.posting.canonical_job_id for a in run.postings]
    by_id = {a.item.posting.canonical_job_id: a for a in run.postings}
    position = {job: i for i, job in enumerate(ids)}
    root, links = predicted_relations(run)

    def predicted(a: str, b: str) -> str:
        if root[a] == root[b]:
            return "duplicate"
        return "same_role" if frozenset((root[a], root[b])) in links else "different"

    pairs: set[tuple[str, str]] = set()
    by_role: dict[str, list[str]] = {}
    for a in run.postings:
        by_role.setdefault(a.item.role, []).append(a.item.posting.canonical_job_id)
    for members in by_role.values():
        pairs |= {(x, y) for i, x in enumerate(members) for y in members[:i]}
    by_root: dict[str, list[str]] = {}
    for job in ids:
        by_root.setdefault(root[job], []).append(job)
    for members in by_root.values():
        pairs |= {(x, y) for i, x in enumerate(members) for y in members[:i]}
    for link in links:
        first, second = sorted(link)
        pairs |= {(x, y) for x in by_root.get(first, []) for y in by_root.get(second, [])}
    for a, neighbours in zip(run.postings, run.candidates, strict=True):
        pairs |= {(a.item.posting.canonical_job_id, n.canonical_job_id) for n in neighbours}

    confusion: dict[str, Counter[str]] = {label: Counter() for label in LABELS}
    errors: list[str] = []
    hard: dict[str, list[int]] = {"same company, similar title": [0, 0], "same title, other company": [0, 0]}
    for x, y in sorted({tuple(sorted(p, key=position.__getitem__)) for p in pairs if p[0] != p[1]}):
        earlier, later = by_id[x], by_id[y]
        truth, guess = pair_truth(earlier.item, later.item), predicted(x, y)
        confusion[truth][guess] += 1
        if truth == "different":
            kind = _hard_kind(earlier, later)
            if kind:
                hard[kind][1] += 1
                hard[kind][0] += guess == "different"
        if truth != guess:
            errors.append(_error_line(earlier, later, truth, guess))
    return PartScores(confusion, errors, {k: (v[0], v[1]) for k, v in hard.items()})


def _hard_kind(a: Analyzed, b: Analyzed) -> str | None:
    e = compare(b.traits, Neighbour(**a.traits.model_dump()))
    if e.company.value != "different" and e.title.value != "same" and e.title_overlap >= 0.3:
        return "same company, similar title"
    if e.company.value == "different" and e.title.value == "same":
        return "same title, other company"
    return None


def _error_line(earlier: Analyzed, later: Analyzed, truth: str, guess: str) -> str:
    sims = text_similarity(later.indexed.chunks, later.indexed.chunk_words, earlier.indexed.chunks,
                           earlier.indexed.chunk_words)
    neighbour = Neighbour(**earlier.traits.model_dump(), text_similarity=sims)
    scored = score_pair(later.traits, neighbour)
    e = scored.evidence
    return (f"truth {truth}, predicted {guess}: {later.item.origin} [{later.traits.title!r}] vs {earlier.item.origin} "
            f"[{earlier.traits.title!r}] — p_role {scored.p_role:.2f} p_posting {scored.p_posting:.2f}; "
            f"{e.company_words}; title {e.title.value} {e.title_words}; text "
            f"{'none' if e.text_similarity is None else f'{e.text_similarity:.3f} over {e.text_words} words'}; "
            f"skills {'none' if e.skills_overlap is None else f'{e.skills_overlap:.2f}'}; places {e.place.value} "
            f"({e.place_words}); salary {e.salary.value}")


# --- fitting --------------------------------------------------------------------------------------------------


def fit_logistic(x: np.ndarray, y: np.ndarray, *, l2: float = 1.0, iterations: int = 50) -> tuple[float, np.ndarray]:
    """L2-regularized logistic regression by Newton's method (the bias unpenalized): (bias, weights)."""
    n, d = x.shape
    design = np.hstack([np.ones((n, 1)), x])
    w = np.zeros(d + 1)
    penalty = np.eye(d + 1) * l2
    penalty[0, 0] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ w, -60, 60)))
        gradient = design.T @ (p - y) + penalty @ w
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + penalty + np.eye(d + 1) * 1e-9
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return float(w[0]), w[1:]


def training_pairs(run: Replay) -> list[tuple[dict[str, float], dict[str, float], str]]:
    """(role features, posting features, truth) of every candidate pair the store put before a decision."""
    by_id = {a.item.posting.canonical_job_id: a for a in run.postings}
    rows = []
    for a, neighbours in zip(run.postings, run.candidates, strict=True):
        for n in neighbours:
            other = by_id[n.canonical_job_id]
            e = compare(a.traits, n)
            rows.append((role_features(e), posting_features(e), pair_truth(a.item, other.item)))
    return rows


def fit(run: Replay, *, l2: float = 1.0) -> DedupModel:
    rows = training_pairs(run)
    x_role = np.array([[r[name] for name in ROLE_FEATURES] for r, _, _ in rows])
    y_role = np.array([truth != "different" for _, _, truth in rows], dtype=float)
    role_bias, role_w = fit_logistic(x_role, y_role, l2=l2)
    same = [(p, truth) for _, p, truth in rows if truth != "different"]
    x_post = np.array([[p[name] for name in POSTING_FEATURES] for p, _ in same])
    y_post = np.array([truth == "duplicate" for _, truth in same], dtype=float)
    posting_bias, posting_w = fit_logistic(x_post, y_post, l2=l2)
    return DedupModel(role_bias=round(role_bias, 2),
                      role_weights={k: round(float(v), 2) for k, v in zip(ROLE_FEATURES, role_w, strict=True)},
                      posting_bias=round(posting_bias, 2),
                      posting_weights={k: round(float(v), 2) for k, v in zip(POSTING_FEATURES, posting_w, strict=True)})


# --- the evaluation -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DedupEvalReport:
    shared: Path
    seed: int
    sources: list[str]
    tuning_size: str
    held_out_size: str
    model: DedupModel
    tuning: PartScores
    held_out: PartScores
    fitted: DedupModel | None
    fitted_tuning: PartScores | None
    fitted_held_out: PartScores | None
    texts_embedded: int
    seconds: float


def evaluate(shared: Path, embedder: Embedder, *, seed: int = 0, fit_model: bool = False,
             cache: Path | None = None, glassdoor_rows: int = 300, model: DedupModel = DEFAULT_MODEL
             ) -> DedupEvalReport:
    started = time.perf_counter()
    data: EvalSet = build(shared, seed=seed, glassdoor_rows=glassdoor_rows)
    cached = CachedEmbedder(embedder, cache)
    tuning_postings, held_out_postings = analyze(data.tuning, cached), analyze(data.held_out, cached)
    cached.save()
    tuning_run, held_out_run = replay(tuning_postings, model), replay(held_out_postings, model)
    fitted = fitted_tuning = fitted_held_out = None
    if fit_model:
        fitted = fit(tuning_run)
        fitted_tuning = score(replay(tuning_postings, fitted))
        fitted_held_out = score(replay(held_out_postings, fitted))
    return DedupEvalReport(
        shared=shared, seed=seed, sources=data.sources, tuning_size=describe_set(data.tuning),
        held_out_size=describe_set(data.held_out), model=model, tuning=score(tuning_run),
        held_out=score(held_out_run), fitted=fitted, fitted_tuning=fitted_tuning, fitted_held_out=fitted_held_out,
        texts_embedded=cached.embedded, seconds=time.perf_counter() - started)


def _matrix(scores: PartScores) -> list[str]:
    lines = ["    truth \\ predicted   duplicate  same_role  different"]
    for truth in LABELS:
        row = scores.confusion.get(truth, Counter())
        lines.append(f"    {truth:<20}" + "".join(f"{row[p]:>11}" for p in LABELS))
    return lines


def _part(name: str, size: str, scores: PartScores, *, errors: int | None) -> list[str]:
    hard = ", ".join(f"{kind} {kept}/{total} kept apart" for kind, (kept, total) in scores.hard_negatives.items())
    lines = [f"{name}: {size}", *_matrix(scores),
             f"  duplicate precision {scores.duplicate_precision:.3f}, recall {scores.duplicate_recall:.3f}; "
             f"same-role accuracy {scores.same_role_accuracy:.3f} (precision {scores.same_role_precision:.3f}); "
             f"hard negatives: {hard}",
             f"  errors: {len(scores.errors)}"]
    shown = scores.errors if errors is None else scores.errors[:errors]
    lines += [f"  - {line}" for line in shown]
    if len(shown) < len(scores.errors):
        lines.append(f"  ... {len(scores.errors) - len(shown)} more (--errors all)")
    return lines


def _weights(model: DedupModel) -> str:
    role = ", ".join(f"{k} {v:+.2f}" for k, v in model.role_weights.items())
    posting = ", ".join(f"{k} {v:+.2f}" for k, v in model.posting_weights.items())
    return (f"role: bias {model.role_bias:+.2f}, {role}; posting: bias {model.posting_bias:+.2f}, {posting}; "
            f"decide >= {model.decide}")


def report_lines(report: DedupEvalReport, *, errors: int | None = 20) -> list[str]:
    lines = [f"data: {report.shared}/data, seed {report.seed}: " + "; ".join(report.sources),
             "each posting parsed by discovery's adapters from its board's raw payload (Greenhouse, Lever, Ashby, "
             "RSS feed, CSV listing); parts split by family (one company's related titles and every copy)",
             f"model (shipped): {_weights(report.model)}",
             *_part("tuning part", report.tuning_size, report.tuning, errors=errors),
             *_part("held-out part (never tuned on)", report.held_out_size, report.held_out, errors=errors)]
    if report.fitted is not None and report.fitted_tuning is not None and report.fitted_held_out is not None:
        lines += [f"model fitted on the tuning part now: {_weights(report.fitted)}",
                  *_part("tuning part, fitted model", report.tuning_size, report.fitted_tuning, errors=0),
                  *_part("held-out part, fitted model", report.held_out_size, report.fitted_held_out, errors=0)]
    lines.append(f"texts embedded: {report.texts_embedded} (others from the cache); total {report.seconds:.1f}s")
    return lines
