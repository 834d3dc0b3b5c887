"""Skill and knowledge spans in free text, found by a linear-chain CRF trained on SkillSpan (Zhang et al., NAACL
2022, MIT): "communicate findings to stakeholders" (a skill) and "machine learning" (knowledge), not only the
names a vocabulary lists.

Two taggers, one per kind (SkillSpan annotates the kinds independently, so their spans may overlap), each with BIO
labels over the same features: the lowercased word, its stem, prefix and suffixes, shape, its word cluster (k-means
over MiniLM's contextual vectors, computed at training time and shipped with the weights), whether it is an ESCO
skill verb, the vocabulary matcher's tag for it (tech / ESCO skill / ESCO knowledge, begin or inside), the same
for the two words either side, the word bigrams around it and its position in the sentence.

Inference is pure numpy, without crfsuite: every feature is a function of one token (at an offset) or of a word
pair, so a token's contribution to the emission scores at the five positions it can influence is summed once per
distinct token and cached; Viterbi then runs over all the sentences of a text at once. That is what makes the model
path fast enough for the pipeline (`bench/skill_spans_throughput.py`). The weights come from crfsuite at training
time (`evaluation/skill_model.py`), and a unit test checks that both decoders agree.

The artifact is `textkit/models/skill_spans.json.gz` (weights, word clusters, the training card); its card says
what it was trained on, the commit, the seed and the dev/test figures. When it is missing, `load_span_model`
returns None and callers keep the vocabulary path.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from textkit.skill_concepts import concept_of
from textkit.skills import SkillKind, SkillMatch, SkillMatcher, _lines, _read, default_matcher

log = logging.getLogger(__name__)

ARTIFACT = "skill_spans.json.gz"
FORMAT = "resumeflow-skill-spans/1"
WINDOW = 2  # features of the words up to two places either side
OFFSETS = tuple(range(-WINDOW, WINDOW + 1))
LABELS = ("O", "B", "I")
KINDS: tuple[SkillKind, ...] = ("skill", "knowledge")
_MAX_POSITION = 5

# --- tokens ---------------------------------------------------------------------------------------------------

# SkillSpan's tokens: words with the punctuation inside names kept ("Node.js", "CI/CD", "well-documented", "C++",
# "C#"), every other punctuation mark a token of its own.
_TOKEN = re.compile(r"[^\W_]+(?:[-'’./&+#][^\W_]+)*(?:\+\+|#)?|[^\w\s]|_+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class SpanToken:
    text: str
    start: int
    end: int


def span_tokens(text: str) -> list[SpanToken]:
    return [SpanToken(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


# --- features -------------------------------------------------------------------------------------------------

_SHAPE_UPPER, _SHAPE_LOWER, _SHAPE_DIGIT = re.compile(r"[A-Z]"), re.compile(r"[a-z]"), re.compile(r"[0-9]")
_SHAPE_REPEAT = re.compile(r"(.)\1+")


def shape(word: str) -> str:
    """"Kafka" -> "Xxx", "CI/CD" -> "XX/XX", "3+" -> "d+": the word's letter classes, runs cut to two."""
    word = _SHAPE_DIGIT.sub("d", _SHAPE_LOWER.sub("x", _SHAPE_UPPER.sub("X", word)))
    return _SHAPE_REPEAT.sub(r"\1\1", word)


_SUFFIXES = ("ing", "ed", "es", "s")


def stem(word: str) -> str:
    """A crude stem ("managing", "managed", "manages" -> "manag"): enough to share evidence between forms."""
    word = word.lower()
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=1)
def skill_verbs() -> frozenset[str]:
    """ESCO's competence verbs ("manage", "develop", ...) and their stems."""
    verbs = frozenset(_lines(_read("esco_skill_verbs.txt")))
    return verbs | frozenset(stem(verb) for verb in verbs)


def word_features(word: str, clusters: dict[str, Sequence[int]]) -> list[str]:
    """The features of one word, wherever it stands. Context features are these with the offset in front."""
    lower = word.lower()
    word_stem = stem(word)
    features = [f"w={lower}", f"st={word_stem}", f"p3={lower[:3]}", f"s3={lower[-3:]}", f"s2={lower[-2:]}",
                f"sh={shape(word)}"]
    if lower in skill_verbs() or word_stem in skill_verbs():
        features.append("verb")
    for level, cluster in enumerate(clusters.get(lower, ())):
        features.append(f"c{level}={cluster}")
    return features


def vocabulary_tags(tokens: Sequence[SpanToken], matches: Iterable[SkillMatch]) -> list[str]:
    """Per token, the vocabulary matcher's verdict: "B-tech", "I-eskill", "B-eknowledge", ... or "O"."""
    tags = ["O"] * len(tokens)
    starts = [token.start for token in tokens]
    for match in matches:
        first = _index_at(starts, match.start)
        last = _index_at(starts, match.end - 1)
        if first is None or last is None:
            continue
        kind = "tech" if match.term.source == "tech" else f"e{match.term.kind}"
        tags[first] = f"B-{kind}"
        for index in range(first + 1, last + 1):
            tags[index] = f"I-{kind}"
    return tags


def _index_at(starts: Sequence[int], char: int) -> int | None:
    """The last token starting at or before `char` (binary search), or None before the first."""
    low, high = 0, len(starts) - 1
    if high < 0 or char < starts[0]:
        return None
    while low < high:
        middle = (low + high + 1) // 2
        if starts[middle] <= char:
            low = middle
        else:
            high = middle - 1
    return low


def sentence_features(words: Sequence[str], gazetteer: Sequence[str], clusters: dict[str, Sequence[int]]
                      ) -> list[list[str]]:
    """crfsuite's input for one sentence: every token's feature names (all with weight 1). The fast decoder below
    computes the same sums without building these lists."""
    per_word = [word_features(word, clusters) for word in words]
    lowered = [word.lower() for word in words]
    count = len(words)
    items: list[list[str]] = []
    for index in range(count):
        features = ["bias", f"pos={min(index, _MAX_POSITION)}"]
        for offset in OFFSETS:
            other = index + offset
            if 0 <= other < count:
                features += [f"{offset}:{feature}" for feature in per_word[other]]
                features.append(f"{offset}:g={gazetteer[other]}")
            else:
                features.append(f"{offset}:pad")
        if index > 0:
            features.append(f"b-1={lowered[index - 1]}|{lowered[index]}")
        if index < count - 1:
            features.append(f"b+1={lowered[index]}|{lowered[index + 1]}")
        items.append(features)
    return items


# --- the model ------------------------------------------------------------------------------------------------

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Span:
    """A span found in a text: `text[start:end]` is `surface`."""

    kind: SkillKind
    surface: str
    start: int
    end: int


class KindTagger:
    """One kind's CRF: weights by feature name (one value per label) and label transitions."""

    def __init__(self, weights: dict[str, Sequence[float]], transitions: Sequence[Sequence[float]]) -> None:
        self.weights = {name: np.asarray(values, dtype=np.float32) for name, values in weights.items()}
        self.transitions = np.asarray(transitions, dtype=np.float32)
        zero = np.zeros(len(LABELS), dtype=np.float32)
        self.bias = self.weights.get("bias", zero)
        self.position = np.stack([self.weights.get(f"pos={i}", zero) for i in range(_MAX_POSITION + 1)])
        self.pad = np.stack([self.weights.get(f"{offset}:pad", zero) for offset in OFFSETS])
        self._zero = zero

    def offset_weights(self, features: Sequence[str]) -> FloatArray:
        """(offsets, labels): row k is what a word with `features` adds to the emission scores of the token it sits
        OFFSETS[k] places after (its features read there as "{offset}:{feature}")."""
        rows = np.zeros((len(OFFSETS), len(LABELS)), dtype=np.float32)
        get = self.weights.get
        for row, offset in enumerate(OFFSETS):
            for feature in features:
                value = get(f"{offset}:{feature}")
                if value is not None:
                    rows[row] += value
        return rows

    def pair(self, name: str) -> FloatArray | None:
        return self.weights.get(name)


class SpanModel:
    """Both kinds' taggers, the word clusters, and the card that says how they were made."""

    def __init__(self, taggers: dict[SkillKind, KindTagger], clusters: dict[str, Sequence[int]],
                 card: dict[str, Any], matcher: SkillMatcher | None = None) -> None:
        self.taggers = taggers
        self.clusters = clusters
        self.card = card
        self._matcher = matcher
        self._cache: dict[str, dict[SkillKind, FloatArray]] = {}

    @property
    def name(self) -> str:
        return str(self.card.get("name", "skill-spans-crf"))

    @property
    def matcher(self) -> SkillMatcher:
        if self._matcher is None:
            self._matcher = default_matcher()
        return self._matcher

    # -- the public surface --

    def find(self, text: str, matches: Sequence[SkillMatch] | None = None) -> list[Span]:
        """Skill and knowledge spans in one sentence (or line) of text. `matches` are the vocabulary matcher's
        matches in the same text when the caller has them already."""
        return self.find_many([text], None if matches is None else [matches])[0]

    def find_many(self, texts: Sequence[str], matches: Sequence[Sequence[SkillMatch]] | None = None
                  ) -> list[list[Span]]:
        """`find` for many sentences at once (one Viterbi pass over all of them)."""
        tokenized = [span_tokens(text) for text in texts]
        if matches is None:
            matches = [self.matcher.find(text) for text in texts]
        gazetteers = [vocabulary_tags(tokens, found) for tokens, found in zip(tokenized, matches, strict=True)]
        words = [[token.text for token in tokens] for tokens in tokenized]
        found: list[list[Span]] = [[] for _ in texts]
        for kind in KINDS:
            for index, labels in enumerate(self.tag_kind(kind, words, gazetteers)):
                tokens = tokenized[index]
                for first, end in label_spans(labels):
                    start, stop = tokens[first].start, tokens[end - 1].end
                    found[index].append(Span(kind, texts[index][start:stop], start, stop))
        for spans in found:
            spans.sort(key=lambda span: (span.start, span.end, span.kind))
        return found

    def tag(self, words: Sequence[str], gazetteer: Sequence[str]) -> dict[SkillKind, list[str]]:
        """BIO labels per kind for one tokenized sentence (the evaluation's entry point)."""
        return {kind: self.tag_kind(kind, [words], [gazetteer])[0] for kind in KINDS}

    # -- decoding --

    def tag_kind(self, kind: SkillKind, sentences: Sequence[Sequence[str]], gazetteers: Sequence[Sequence[str]]
                 ) -> list[list[str]]:
        tagger = self.taggers[kind]
        emissions = [self._emissions(kind, tagger, words, gazetteer)
                     for words, gazetteer in zip(sentences, gazetteers, strict=True)]
        return [[LABELS[i] for i in path] for path in viterbi(emissions, tagger.transitions)]

    def _word(self, kind: SkillKind, tagger: KindTagger, word: str) -> FloatArray:
        cached = self._cache.get(word)
        if cached is None:
            if len(self._cache) > 200_000:  # bounded: a long-running worker sees an open-ended vocabulary
                self._cache.clear()
            features = word_features(word, self.clusters)
            cached = {name: one.offset_weights(features) for name, one in self.taggers.items()}
            self._cache[word] = cached
        return cached[kind]

    def _emissions(self, kind: SkillKind, tagger: KindTagger, words: Sequence[str], gazetteer: Sequence[str]
                   ) -> FloatArray:
        count = len(words)
        if count == 0:
            return np.zeros((0, len(LABELS)), dtype=np.float32)
        per_word = np.stack([self._word(kind, tagger, word) for word in words])  # (count, offsets, labels)
        scores = tagger.bias + tagger.position[np.minimum(np.arange(count), _MAX_POSITION)]
        for row, offset in enumerate(OFFSETS):
            gazette = np.stack([tagger.weights.get(f"{offset}:g={tag}", tagger._zero) for tag in gazetteer])
            contribution = per_word[:, row] + gazette  # what word j adds to the token j - offset
            if offset == 0:
                scores += contribution
            elif offset > 0:
                scores[: count - offset] += contribution[offset:]
                scores[max(count - offset, 0):] += tagger.pad[row]
            else:
                scores[-offset:] += contribution[: count + offset]
                scores[: min(-offset, count)] += tagger.pad[row]
        lowered = [word.lower() for word in words]
        for index in range(count):
            if index > 0:
                value = tagger.pair(f"b-1={lowered[index - 1]}|{lowered[index]}")
                if value is not None:
                    scores[index] += value
            if index < count - 1:
                value = tagger.pair(f"b+1={lowered[index]}|{lowered[index + 1]}")
                if value is not None:
                    scores[index] += value
        return scores


def viterbi(emissions: Sequence[FloatArray], transitions: FloatArray) -> list[list[int]]:
    """The best label path of each sentence, all sentences in one pass (padded to the longest)."""
    if not emissions:
        return []
    lengths = np.array([len(e) for e in emissions])
    longest = int(lengths.max()) if len(lengths) else 0
    if longest == 0:
        return [[] for _ in emissions]
    labels = transitions.shape[0]
    batch = np.zeros((len(emissions), longest, labels), dtype=np.float32)
    for row, emission in enumerate(emissions):
        batch[row, : len(emission)] = emission
    score = batch[:, 0].copy()
    back = np.zeros((len(emissions), longest, labels), dtype=np.int64)
    for position in range(1, longest):
        candidates = score[:, :, None] + transitions[None]  # (batch, from, to)
        best = candidates.argmax(axis=1)
        stepped = np.take_along_axis(candidates, best[:, None, :], axis=1)[:, 0] + batch[:, position]
        active = (position < lengths)[:, None]
        score = np.where(active, stepped, score)
        back[:, position] = best
    paths: list[list[int]] = []
    for row, length in enumerate(lengths):
        if length == 0:
            paths.append([])
            continue
        label = int(score[row].argmax())
        path = [label]
        for position in range(int(length) - 1, 0, -1):
            label = int(back[row, position, label])
            path.append(label)
        paths.append(path[::-1])
    return paths


def label_spans(labels: Sequence[str]) -> list[tuple[int, int]]:
    """Token spans (end exclusive) from BIO labels; an I after O starts a span, as in the evaluation."""
    spans: list[tuple[int, int]] = []
    start: int | None = None
    for index, label in enumerate([*labels, "O"]):
        inside = label == "I"
        if start is not None and not inside:
            spans.append((start, index))
            start = None
        if label == "B" or (inside and start is None):
            start = index
    return spans


# --- canonical names -----------------------------------------------------------------------------------------

_EDGE = re.compile(r"^[\W_]+|[\W_]+$")
_LEADING_FILLER = re.compile(r"^(?:(?:a|an|the|to|and|or|of|your|our|their|strong|good|excellent|solid|proven)\s+)+",
                             re.IGNORECASE)
_STOPWORDS = frozenset({"a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "with", "be", "is", "are", "you",
                        "we", "our", "your", "it", "as", "at", "by", "this", "that", "skills", "skill", "experience",
                        "knowledge", "ability", "etc"})
_MAX_NAME = 120


def canonical_skill(span: Span, matches: Sequence[SkillMatch]) -> str | None:
    """The name a found span stands for: the vocabulary's canonical name when the span is exactly one vocabulary
    term ("postgres" -> "PostgreSQL"); a concept's name when it states one ("communicate findings to
    stakeholders" -> "stakeholder communication", `skill_concepts`); else the phrase itself, trimmed of
    punctuation and leading fillers ("the", "strong"). None for a span with nothing but filler words."""
    inside = [m for m in matches if m.start >= span.start and m.end <= span.end]
    phrase = _LEADING_FILLER.sub("", _EDGE.sub("", " ".join(span.surface.split())))
    if len(inside) == 1 and _EDGE.sub("", span.surface) == inside[0].surface:
        return inside[0].term.name
    words = phrase.lower().split()
    if not words or all(word in _STOPWORDS for word in words) or len(phrase) < 2:
        return None
    concept = concept_of(phrase) if span.kind == "skill" else None
    if concept is not None:
        return concept
    if span.kind == "skill" and phrase[:1].isupper() and not phrase[:2].isupper():
        phrase = phrase[0].lower() + phrase[1:]  # "Write clean code" -> "write clean code"; "SQL tuning" stays
    return phrase[:_MAX_NAME]


# --- the artifact ---------------------------------------------------------------------------------------------


def save_model(path: Path, taggers: dict[SkillKind, tuple[dict[str, list[float]], list[list[float]]]],
               clusters: dict[str, Sequence[int]], card: dict[str, Any]) -> None:
    """Write the artifact: gzip'd JSON, keys sorted and the gzip header's time zeroed, so the same training gives
    the same bytes."""
    document = {
        "format": FORMAT, "labels": list(LABELS), "offsets": list(OFFSETS), "card": card,
        "clusters": {word: list(levels) for word, levels in sorted(clusters.items())},
        "taggers": {kind: {"transitions": [[round(v, 5) for v in row] for row in transitions],
                           "weights": {name: [round(v, 5) for v in values] for name, values in sorted(weights.items())}}
                    for kind, (weights, transitions) in taggers.items()},
    }
    raw = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    with path.open("wb") as file, gzip.GzipFile(fileobj=file, mode="wb", mtime=0, compresslevel=9) as packed:
        packed.write(raw)


def read_model(path: Path) -> SpanModel:
    document = json.loads(gzip.decompress(path.read_bytes()))
    if document.get("format") != FORMAT or tuple(document.get("labels", ())) != LABELS:
        raise ValueError(f"{path} is not a {FORMAT} artifact")
    taggers = {kind: KindTagger(spec["weights"], spec["transitions"]) for kind, spec in document["taggers"].items()}
    return SpanModel(taggers, document["clusters"], document["card"])


def shipped_artifact() -> Path:
    return Path(str(resources.files("textkit") / "models" / ARTIFACT))


@lru_cache(maxsize=1)
def load_span_model() -> SpanModel | None:
    """The shipped model, loaded once; None (and one warning) when the artifact is absent or unreadable, so the
    caller keeps the vocabulary path."""
    path = shipped_artifact()
    if not path.is_file():
        log.warning("no skill span model at %s: requirement extraction uses the vocabulary only", path)
        return None
    try:
        return read_model(path)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("the skill span model at %s cannot be read (%s): the vocabulary path is used", path, exc)
        return None
