"""How well the vocabulary matcher finds the skill spans people annotated: SkillSpan (Zhang et al., NAACL 2022).

SkillSpan is one JSON object a line: `tokens`, and BIO tags over them in `tags_skill` and `tags_knowledge`
(the two kinds are annotated independently, so a skill span and a knowledge span may overlap). Spans are scored
by exact match of their token boundaries, per kind and micro-averaged over both ("combined"); "any kind" ignores
which kind a span is. Develop on train/dev and read test only for the figures reported.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textkit.skill_spans import KINDS, SpanModel, SpanToken, label_spans, vocabulary_tags
from textkit.skills import SkillKind, SkillMatcher, default_matcher

if TYPE_CHECKING:
    from adapters.skill_student import StudentTagger
    from adapters.skill_tagger import MiniLmSpanTagger

Span = tuple[int, int]  # token indices, end exclusive


@dataclass(frozen=True, slots=True)
class Sentence:
    tokens: tuple[str, ...]
    spans: dict[SkillKind, frozenset[Span]]


@dataclass(frozen=True, slots=True)
class Counts:
    true_positives: int = 0
    predicted: int = 0
    gold: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.true_positives + other.true_positives, self.predicted + other.predicted,
                      self.gold + other.gold)

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def bio_spans(tags: Sequence[str]) -> frozenset[Span]:
    """Spans from BIO tags: a span starts at B (or at an I that follows O, as annotators sometimes left it) and
    runs over the I tags after it."""
    spans: list[Span] = []
    start: int | None = None
    for index, tag in enumerate([*tags, "O"]):
        inside = tag.startswith("I")
        if start is not None and not inside:
            spans.append((start, index))
            start = None
        if tag.startswith("B") or (inside and start is None):
            start = index
    return frozenset(spans)


def count(gold: Iterable[Span], predicted: Iterable[Span]) -> Counts:
    gold_set, predicted_set = set(gold), set(predicted)
    return Counts(len(gold_set & predicted_set), len(predicted_set), len(gold_set))


def load_skillspan(path: Path, limit: int | None = None) -> list[Sentence]:
    sentences: list[Sentence] = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if limit is not None and len(sentences) >= limit:
                break
            if not line.strip():
                continue
            record = json.loads(line)
            sentences.append(Sentence(
                tuple(record["tokens"]),
                {"skill": bio_spans(record["tags_skill"]), "knowledge": bio_spans(record["tags_knowledge"])},
            ))
    return sentences


Predictor = Callable[[Sequence[str]], dict[SkillKind, frozenset[Span]]]


def matcher_predictor(matcher: SkillMatcher | None = None) -> Predictor:
    """Predicted spans of the vocabulary matcher: the tokens joined by spaces, each match mapped back to the
    tokens it covers, its kind the vocabulary term's."""
    matcher = matcher or default_matcher()

    def predict(tokens: Sequence[str]) -> dict[SkillKind, frozenset[Span]]:
        starts: list[int] = []
        offset = 0
        for token in tokens:
            starts.append(offset)
            offset += len(token) + 1
        text = " ".join(tokens)
        found: dict[SkillKind, set[Span]] = {kind: set() for kind in KINDS}
        for match in matcher.find(text):
            first = _token_at(starts, match.start)
            last = _token_at(starts, match.end - 1)
            found[match.term.kind].add((first, last + 1))
        return {kind: frozenset(spans) for kind, spans in found.items()}

    return predict


def token_vocabulary_tags(tokens: Sequence[str], matcher: SkillMatcher | None = None) -> list[str]:
    """The vocabulary matcher's per-token tags (the span model's gazetteer feature) over already tokenized words,
    read as the words joined by spaces."""
    spans, offset = [], 0
    for token in tokens:
        spans.append(SpanToken(token, offset, offset + len(token)))
        offset += len(token) + 1
    return vocabulary_tags(spans, (matcher or default_matcher()).find(" ".join(tokens)))


def model_predictor(model: SpanModel | StudentTagger) -> Predictor:
    """Predicted spans of the CRF or the convolutional student over SkillSpan's own tokens."""

    def predict(tokens: Sequence[str]) -> dict[SkillKind, frozenset[Span]]:
        labels = model.tag_many([tokens], [token_vocabulary_tags(tokens, model.matcher)])[0]
        return {kind: frozenset(label_spans(labels[kind])) for kind in KINDS}

    return predict


def tagger_predictor(tagger: MiniLmSpanTagger, sentences: Sequence[Sentence] = ()) -> Predictor:
    """Predicted spans of the fine-tuned MiniLM tagger (`adapters.skill_tagger`) over SkillSpan's own tokens;
    `sentences` are tagged at once up front (batched by length), any other sentence when asked."""
    known = dict(zip((s.tokens for s in sentences), tagger.tag_many([s.tokens for s in sentences]), strict=True))

    def predict(tokens: Sequence[str]) -> dict[SkillKind, frozenset[Span]]:
        labels = known.get(tuple(tokens)) or tagger.tag_many([tokens])[0]
        return {kind: frozenset(label_spans(labels[kind])) for kind in KINDS}

    return predict


def _token_at(starts: Sequence[int], char: int) -> int:
    low, high = 0, len(starts) - 1
    while low < high:  # the last token starting at or before `char`
        middle = (low + high + 1) // 2
        if starts[middle] <= char:
            low = middle
        else:
            high = middle - 1
    return low


@dataclass(frozen=True, slots=True)
class Report:
    sentences: int
    by_kind: dict[SkillKind, Counts]
    any_kind: Counts

    @property
    def combined(self) -> Counts:
        return sum(self.by_kind.values(), Counts())

    def rows(self) -> Iterator[tuple[str, Counts]]:
        yield "SKILL", self.by_kind["skill"]
        yield "KNOWLEDGE", self.by_kind["knowledge"]
        yield "combined", self.combined
        yield "any kind", self.any_kind


def evaluate(sentences: Iterable[Sentence], predict: Predictor) -> Report:
    by_kind = {kind: Counts() for kind in KINDS}
    any_kind = Counts()
    total = 0
    for sentence in sentences:
        total += 1
        predicted = predict(sentence.tokens)
        for kind in KINDS:
            by_kind[kind] += count(sentence.spans[kind], predicted[kind])
        gold_any = set().union(*sentence.spans.values())
        any_kind += count(gold_any, set().union(*predicted.values()))
    return Report(total, by_kind, any_kind)


def format_report(report: Report, title: str) -> str:
    lines = [f"{title}: {report.sentences} sentences, exact span match",
             f"{'spans':10} {'gold':>6} {'pred':>6} {'tp':>6} {'P':>6} {'R':>6} {'F1':>6}"]
    for name, counts in report.rows():
        lines.append(f"{name:10} {counts.gold:>6} {counts.predicted:>6} {counts.true_positives:>6} "
                     f"{counts.precision:>6.3f} {counts.recall:>6.3f} {counts.f1:>6.3f}")
    return "\n".join(lines)
