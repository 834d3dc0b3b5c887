"""Distilling a MiniLM tagger into the CRF (issue 14): a tagger labels sentences of unannotated job postings, and
those "silver" sentences join the CRF's training sentences. The tagger is either a MiniLM + LoRA tagger trained
in the run on the same SkillSpan files, or a saved minilm-full tagger (`--distill-tagger FILE`, the model
`adapters.skill_tagger` reads; trained on train only when dev is to measure the result).

The postings are the Glassdoor export (`../shared/data/postings/glassdoor_ds_jobs.csv`, evaluation only, read by
`evaluation/glassdoor.py`), one row per group of repeated rows, chosen by a seeded shuffle: the first N of that
order, so a smaller N is a prefix of a larger one. Each description is split into sentences and words exactly as
requirement extraction does at inference (`sectioned_lines`, `sentences`, `span_tokens`); a sentence met again
(boilerplate shared by postings) is kept once. The silver file written (`--silver-out`) is JSON Lines: a first
line describing how it was made, then one sentence a line in SkillSpan's form (`tokens`, `tags_skill`,
`tags_knowledge`) with its `posting` and the tagger's `confidence`; `--silver` reads it back instead of training
the tagger again.

Measured on dev (README, "Skill spans"), it does not help: with the LoRA teacher the CRF finds more spans, mostly
wrong ones; with the whole fine-tune (dev SKILL 0.443 against the CRF's 0.352) it moves SKILL +0.013 and
KNOWLEDGE -0.01: the CRF's features cannot hold what the teacher knows. A saved tagger's silver sentences keep
its probabilities too, which the convolutional student learns (`evaluation/skill_student.py`).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from evaluation.glassdoor import GlassdoorRow, load_glassdoor
from evaluation.skills import KINDS, Sentence, bio_spans
from processors.analysis.extraction import sectioned_lines
from textkit.skill_spans import span_tokens
from textkit.skills import SkillKind, sentences

SILVER_FORMAT = "resumeflow-silver-sentences/1"


@dataclass(frozen=True)
class Distillation:
    """How the silver sentences are made: `postings` (a Glassdoor CSV) labelled by a LoRA tagger trained for
    `epochs`, or by the saved minilm-full `tagger`, or `silver` (a file written before) read back; the first
    `count` postings, sentences of `min_confidence` or more (LoRA only: the saved tagger's labels carry no
    confidence)."""

    count: int
    seed: int = 13
    postings: Path | None = None
    silver: Path | None = None
    silver_out: Path | None = None
    epochs: int = 6
    min_confidence: float = 0.0
    tagger: Path | None = None


Probabilities = tuple[tuple[float, float, float], ...]  # per word, the tagger's O, B, I


@dataclass(frozen=True, slots=True)
class SilverSentence:
    posting: str
    tokens: tuple[str, ...]
    labels: dict[SkillKind, tuple[str, ...]]  # BIO per kind
    confidence: float
    probabilities: dict[SkillKind, Probabilities] | None = None  # a saved tagger's, per kind (the student's targets)


def choose_postings(rows: Sequence[GlassdoorRow], count: int, seed: int) -> list[GlassdoorRow]:
    """`count` postings, the first of each group of repeated rows only, in a seeded shuffle's order (the same
    seed gives the same order, so a smaller count takes a prefix of a larger one's)."""
    distinct = [row for row in rows if row.cluster == row.posting_id]
    random.Random(seed).shuffle(distinct)
    return distinct[:max(count, 0)]


def posting_sentences(description: str) -> list[tuple[str, ...]]:
    """The description's sentences as words, split as `extract_requirements` splits a posting for the span model
    (content lines without headings, then sentences, then `span_tokens`); empty ones left out."""
    found = []
    for line in sectioned_lines(description):
        for sentence in sentences(line.text):
            words = tuple(token.text for token in span_tokens(sentence))
            if words:
                found.append(words)
    return found


def unique_sentences(postings: Iterable[tuple[str, Sequence[tuple[str, ...]]]]) -> list[tuple[str, tuple[str, ...]]]:
    """(posting id, words) of each sentence the first time it is met, in order."""
    seen: set[tuple[str, ...]] = set()
    found = []
    for posting, words_of in postings:
        for words in words_of:
            if words not in seen:
                seen.add(words)
                found.append((posting, words))
    return found


def of_postings(silver: Iterable[SilverSentence], postings: Sequence[str]) -> list[SilverSentence]:
    """The sentences of the given postings (a prefix of the chosen order: what a smaller count would have
    labelled, since a sentence is kept with the first posting that has it)."""
    wanted = set(postings)
    return [sentence for sentence in silver if sentence.posting in wanted]


def as_training(silver: Iterable[SilverSentence], min_confidence: float = 0.0) -> list[Sentence]:
    """The CRF's training sentences from silver ones of at least `min_confidence`: the tagger's BIO labels read as
    spans the way SkillSpan's tags are."""
    return [Sentence(sentence.tokens, {kind: bio_spans(sentence.labels[kind]) for kind in KINDS})
            for sentence in silver if sentence.confidence >= min_confidence]


def write_silver(path: Path, about: dict[str, Any], silver: Iterable[SilverSentence]) -> None:
    with path.open("w", encoding="utf-8") as file:
        file.write(json.dumps({"format": SILVER_FORMAT, **about}, sort_keys=True) + "\n")
        for sentence in silver:
            file.write(json.dumps({"posting": sentence.posting, "tokens": list(sentence.tokens),
                                   "tags_skill": list(sentence.labels["skill"]),
                                   "tags_knowledge": list(sentence.labels["knowledge"]),
                                   "confidence": round(sentence.confidence, 4),
                                   **({f"probabilities_{kind}": [list(word) for word in words]
                                       for kind, words in sentence.probabilities.items()}
                                      if sentence.probabilities is not None else {})}) + "\n")


def read_silver(path: Path) -> tuple[dict[str, Any], list[SilverSentence]]:
    """(how the file was made, its sentences). Raises ValueError for a file of another kind."""
    with path.open(encoding="utf-8") as lines:
        about = json.loads(next(lines, "{}"))
        if about.get("format") != SILVER_FORMAT:
            raise ValueError(f"{path} is not a {SILVER_FORMAT} file")
        silver = []
        for line in lines:
            record = json.loads(line)
            probabilities: dict[SkillKind, Probabilities] | None = None
            if "probabilities_skill" in record:
                probabilities = {kind: tuple((float(o), float(b), float(i))
                                             for o, b, i in record[f"probabilities_{kind}"]) for kind in KINDS}
            silver.append(SilverSentence(record["posting"], tuple(record["tokens"]),
                                         {"skill": tuple(record["tags_skill"]),
                                          "knowledge": tuple(record["tags_knowledge"])},
                                         float(record["confidence"]), probabilities))
    return about, silver


def label_postings(settings: Distillation, train_files: Sequence[Path], dev: Path | None,
                   progress: Callable[[str], None]) -> tuple[dict[str, Any], list[SilverSentence]]:
    """Label the chosen postings' sentences with the saved tagger (`settings.tagger`), or with a LoRA tagger
    trained here on `train_files` (seeded; its dev figures printed when `dev` is given). Raises ValueError for a
    saved tagger that has seen `dev` (the CRF's dev figures would measure nothing)."""
    from evaluation.skill_model import sha256

    assert settings.postings is not None
    rows = choose_postings(load_glassdoor(settings.postings), settings.count, settings.seed)
    chosen = unique_sentences((row.posting_id, posting_sentences(row.description)) for row in rows)
    progress(f"silver: {len(chosen)} distinct sentences from {len(rows)} postings of {settings.postings}")
    if settings.tagger is not None:
        teacher, labelled = _saved_tagger_labels(settings.tagger, [words for _, words in chosen], dev)
    else:
        teacher, labelled = _lora_labels(settings, train_files, dev, [words for _, words in chosen], progress)
    silver = [SilverSentence(posting, words, {kind: tuple(labels[kind]) for kind in KINDS}, confidence,
                             probabilities)
              for (posting, words), found in zip(chosen, labelled, strict=True) if found is not None
              for labels, confidence, probabilities in [found]]
    about: dict[str, Any] = {
        "postings_file": settings.postings.name, "postings_sha256": sha256(settings.postings),
        "postings": [row.posting_id for row in rows], "seed": settings.seed, "tagger": teacher,
        "sentences": len(silver), "left_out_unread": len(chosen) - len(silver)}
    progress(f"silver: {len(silver)} sentences labelled ({len(chosen) - len(silver)} left out: over 128 pieces), "
             f"{sum(len(s.tokens) for s in silver)} words")
    if settings.silver_out is not None:
        write_silver(settings.silver_out, about, silver)
        progress(f"silver: written to {settings.silver_out}")
    return about, silver


Labelled = list[tuple[dict[SkillKind, list[str]], float, dict[SkillKind, Probabilities] | None] | None]


def _lora_labels(settings: Distillation, train_files: Sequence[Path], dev: Path | None,
                 sentences: Sequence[tuple[str, ...]], progress: Callable[[str], None]
                 ) -> tuple[dict[str, Any], Labelled]:
    from evaluation.skill_model import sha256
    from evaluation.skill_transformer import fit_transformer

    report, tagger, _ = fit_transformer(train_files, dev, approach="minilm-lora", seed=settings.seed,
                                        epochs=settings.epochs, report_each_epoch=False, progress=progress)
    teacher: dict[str, Any] = {"approach": "minilm-lora", "rank": 8, "epochs": settings.epochs, "seed": settings.seed,
                               "trained_on": [{"file": p.name, "sha256": sha256(p)} for p in train_files]}
    if report is not None:
        teacher["dev"] = {name: round(c.f1, 4) for name, c in report.rows()}
    return teacher, [None if found is None else (*found, None) for found in tagger.label(sentences)]


def _saved_tagger_labels(path: Path, sentences: Sequence[tuple[str, ...]], dev: Path | None
                         ) -> tuple[dict[str, Any], Labelled]:
    """The saved tagger's labels (as analysis reads them: batched, BIO-constrained), each with confidence 1.0,
    and its probabilities."""
    from adapters.skill_tagger import read_tagger
    from evaluation.skill_model import sha256

    tagger = read_tagger(path.resolve())
    trained_on = tagger.card.get("training_data", [])
    if dev is not None and any(d.get("sha256") == sha256(dev) for d in trained_on):
        raise ValueError(f"{path} was trained on {dev.name}: the CRF's {dev.name} figures would measure nothing; "
                         "distil a tagger trained on train only (train skills --approach minilm-full without "
                         "--refit-on-dev)")
    teacher = {"file": path.name, "sha256": sha256(path), "approach": "minilm-full",
               "trained_on": trained_on, "figures": tagger.card.get("figures", {})}
    # rounded as the silver file keeps them, so a run from the file learns what a run from the postings does
    return teacher, [(tagger.decode(scores), 1.0, {kind: tuple(tuple(round(float(p), 4) for p in word)
                                                               for word in np.exp(scores[:, k]))
                                                   for k, kind in enumerate(KINDS)})
                     for scores in tagger.word_scores(sentences)]


def chosen_silver(settings: Distillation, train_files: Sequence[Path], dev: Path | None,
                  progress: Callable[[str], None]) -> tuple[list[SilverSentence], dict[str, Any]]:
    """The silver sentences a model trained on `train_files` learns from (those of the first `settings.count`
    postings, of `settings.min_confidence` or more), and what its card records of them."""
    from evaluation.skill_model import sha256

    if settings.silver is not None:
        about, silver = read_silver(settings.silver)
        source: dict[str, Any] = {"silver_file": settings.silver.name, "silver_sha256": sha256(settings.silver)}
    else:
        about, silver = label_postings(settings, train_files, dev, progress)
        source = {}
    if settings.silver is not None and settings.count > len(about["postings"]):
        raise ValueError(f"{settings.silver} holds {len(about['postings'])} postings, fewer than {settings.count}")
    postings = about["postings"][:settings.count]
    chosen = [s for s in of_postings(silver, postings) if s.confidence >= settings.min_confidence]
    progress(f"silver: {len(chosen)} sentences of {len(postings)} postings join the training "
             f"(confidence >= {settings.min_confidence})")
    made = {key: value for key, value in about.items() if key != "postings"}
    spans = {kind: sum(len(bio_spans(s.labels[kind])) for s in chosen) for kind in KINDS}
    card = {**source, "made": made, "postings": postings, "min_confidence": settings.min_confidence,
            "sentences": len(chosen), "spans": spans}
    return chosen, card


def silver_training(settings: Distillation, train_files: Sequence[Path], dev: Path | None,
                    progress: Callable[[str], None]) -> tuple[list[Sentence], dict[str, Any]]:
    """The silver training sentences for a CRF trained on `train_files` (`chosen_silver`'s, as spans), and what
    the card records of them."""
    chosen, card = chosen_silver(settings, train_files, dev, progress)
    return as_training(chosen), card
