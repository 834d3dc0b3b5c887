"""Skill and knowledge spans in free text, found by a linear-chain CRF trained on SkillSpan (Zhang et al., NAACL
2022, MIT): "communicate findings to stakeholders" (a skill) and "machine learning" (knowledge), not only the
names a vocabulary lists.

Two taggers, one per kind (SkillSpan annotates the kinds independently, so their spans may overlap), each with
BILOU labels (begin, inside, last, outside, unit: a span's last word has a label of its own, which helps long skill
phrases end where they should) over the same features: the lowercased word, its stem, prefix and suffixes, shape,
its word cluster (k-means over MiniLM's contextual vectors, computed at training time and shipped with the
weights), whether it is an ESCO skill verb, the vocabulary matcher's tag for it (tech / ESCO skill / ESCO
knowledge, begin or inside), the same for the two words either side, the word bigrams around it and its position
in the sentence.

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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from textkit.skill_concepts import concept_of
from textkit.skills import SkillKind, SkillMatch, SkillMatcher, _lines, _read, default_matcher

log = logging.getLogger(__name__)

ARTIFACT = "skill_spans.json.gz"
FORMAT = "resumeflow-skill-spans/1"
WINDOW = 2  # features of the words up to two places either side
OFFSETS = tuple(range(-WINDOW, WINDOW + 1))
LABELS = ("O", "B", "I", "L", "U")  # BILOU; artifacts of the first format have ("O", "B", "I")
BIO_LABELS = ("O", "B", "I")
_AS_BIO = {"O": "O", "B": "B", "I": "I", "L": "I", "U": "B"}
KINDS: tuple[SkillKind, ...] = ("skill", "knowledge")
_MAX_POSITION = 5
_WORD_CACHE_LIMIT = 200_000  # distinct words a model keeps the scores of
PAIR_FAMILIES = ("b",)

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


def pair_keys(lowered: Sequence[str], clusters: dict[str, Sequence[int]]) -> dict[str, list[str]]:
    """Per pair family, each word's key: the word itself ("b"). (Pairs of clusters were tried as a second family
    and lost 0.01 F1 on dev.)"""
    return {"b": list(lowered)}


def sentence_features(words: Sequence[str], gazetteer: Sequence[str], clusters: dict[str, Sequence[int]],
                      window: int = WINDOW) -> list[list[str]]:
    """crfsuite's input for one sentence: every token's feature names (all with weight 1). The fast decoder below
    computes the same sums without building these lists."""
    per_word = [word_features(word, clusters) for word in words]
    lowered = [word.lower() for word in words]
    keys = pair_keys(lowered, clusters)
    count = len(words)
    items: list[list[str]] = []
    for index in range(count):
        features = ["bias", f"pos={min(index, _MAX_POSITION)}"]
        for offset in range(-window, window + 1):
            other = index + offset
            if 0 <= other < count:
                features += [f"{offset}:{feature}" for feature in per_word[other]]
                features.append(f"{offset}:g={gazetteer[other]}")
            else:
                features.append(f"{offset}:pad")
        for family, key in keys.items():
            if index > 0:
                features.append(f"{family}-1={key[index - 1]}|{key[index]}")
            if index < count - 1:
                features.append(f"{family}+1={key[index]}|{key[index + 1]}")
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


class SpanFinder(Protocol):
    """What requirement extraction asks of a span model: the shipped CRF (`SpanModel`) or the fine-tuned MiniLM
    tagger (`adapters.skill_tagger`). `in_thread`: tagging is slow enough to run off the event loop (and safe to);
    `card`: how the model was made (training files, commit, seed, figures)."""

    in_thread: bool
    card: dict[str, Any]

    @property
    def name(self) -> str: ...

    def find_many(self, texts: Sequence[str], matches: Sequence[Sequence[SkillMatch]] | None = None
                  ) -> list[list[Span]]: ...


class SpanModel:
    """Both kinds' CRFs as lookup tables, the word clusters, and the card that says how they were made.

    Scores are held as arrays over (kind, offset, label): a word's row sums the weights of its features read at
    each offset, computed the first time the word is seen; the vocabulary tags have rows of their own; word pairs
    (bigram features) map to rows of a pair table."""

    in_thread = False  # ~8 ms a posting, and its word caches are not locked

    def __init__(self, taggers: dict[str, dict[str, Any]], clusters: dict[str, Sequence[int]],
                 card: dict[str, Any], matcher: SkillMatcher | None = None, offsets: Sequence[int] = OFFSETS,
                 labels: Sequence[str] = LABELS) -> None:
        self.offsets = tuple(offsets)
        self.labels = tuple(labels)
        offsets = self.offsets
        self.clusters = clusters
        self.card = card
        self._matcher = matcher
        weights = [{name: np.asarray(v, dtype=np.float32) for name, v in taggers[kind]["weights"].items()}
                   for kind in KINDS]
        self._weights = weights
        self.transitions = np.stack([np.asarray(taggers[kind]["transitions"], dtype=np.float32) for kind in KINDS])
        zero = np.zeros(len(self.labels), dtype=np.float32)

        def table(names: Sequence[str]) -> FloatArray:  # (len(names), kinds, labels)
            return np.stack([np.stack([w.get(name, zero) for w in weights]) for name in names])

        self.bias = table(["bias"])[0]
        self.position = table([f"pos={i}" for i in range(_MAX_POSITION + 1)])
        self.pad = table([f"{offset}:pad" for offset in offsets])  # (offsets, kinds, labels)
        tags = sorted({name.split(":g=", 1)[1] for w in weights for name in w if ":g=" in name} | {"O"})
        self._tag_ids = {tag: i for i, tag in enumerate(tags)}
        self.gazetteer = np.stack([table([f"{offset}:g={tag}" for offset in offsets]).transpose(1, 0, 2)
                                   for tag in tags])  # (tags, kinds, offsets, labels)
        # Pair features: per family, a row per pair seen in training (row 0: a pair with no weight), holding the
        # weights at the second word ("-1") and at the first ("+1").
        self._pair_ids: dict[str, dict[str, int]] = {}
        self.pairs: dict[str, FloatArray] = {}
        for family in PAIR_FAMILIES:
            before, after = f"{family}-1=", f"{family}+1="
            pairs = sorted({name[len(before):] for w in weights for name in w if name.startswith((before, after))})
            self._pair_ids[family] = {pair: i + 1 for i, pair in enumerate(pairs)}
            rows = np.zeros((len(pairs) + 1, 2, len(KINDS), len(self.labels)), dtype=np.float32)
            if pairs:
                rows[1:, 0] = table([before + pair for pair in pairs])
                rows[1:, 1] = table([after + pair for pair in pairs])
            self.pairs[family] = rows
        # Per offset, each word feature's weights for both kinds: (kinds, labels).
        self._by_offset: list[dict[str, FloatArray]] = []
        for offset in offsets:
            prefix = f"{offset}:"
            names = {name[len(prefix):] for w in weights for name in w
                     if name.startswith(prefix) and ":g=" not in name and not name.endswith(":pad")}
            self._by_offset.append({feature: np.stack([w.get(prefix + feature, zero) for w in weights])
                                    for feature in names})
        self._word_ids: dict[str, int] = {}
        self._words = np.zeros((1024, len(KINDS), len(offsets), len(self.labels)), dtype=np.float32)

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
        """`find` for many sentences at once: one pass of array operations over all of them."""
        return find_spans(texts, matches, self.matcher, self.tag_many)

    def tag(self, words: Sequence[str], gazetteer: Sequence[str]) -> dict[SkillKind, list[str]]:
        """BIO labels per kind for one tokenized sentence (the evaluation's entry point)."""
        return self.tag_many([words], [gazetteer])[0]

    def tag_many(self, sentences: Sequence[Sequence[str]], gazetteers: Sequence[Sequence[str]]
                 ) -> list[dict[SkillKind, list[str]]]:
        """BIO labels per kind for many sentences: the model's own labels ("L" ends a span, "U" is a span of one
        word) read as BIO."""
        return [{kind: [_AS_BIO[label] for label in labels] for kind, labels in by_kind.items()}
                for by_kind in self.decode(sentences, gazetteers)]

    def decode(self, sentences: Sequence[Sequence[str]], gazetteers: Sequence[Sequence[str]]
               ) -> list[dict[SkillKind, list[str]]]:
        """The model's own labels (`self.labels`) per kind: what crfsuite's tagger gives for the same weights."""
        lengths = np.array([len(words) for words in sentences], dtype=np.int64)
        if not len(lengths) or lengths.sum() == 0:
            return [{kind: ["O"] * int(n) for kind in KINDS} for n in lengths]
        emissions = self._emissions(sentences, gazetteers, lengths)
        paths = viterbi(emissions, lengths, self.transitions)  # (sentences, kinds, longest)
        return [{kind: [self.labels[i] for i in paths[row, k, : lengths[row]]] for k, kind in enumerate(KINDS)}
                for row in range(len(sentences))]

    # -- scores --

    def _word_id(self, word: str) -> int:
        row = self._word_ids.get(word)
        if row is not None:
            return row
        row = len(self._word_ids)
        if row >= len(self._words):
            grown = np.zeros((len(self._words) * 2, *self._words.shape[1:]), dtype=np.float32)
            grown[: len(self._words)] = self._words
            self._words = grown
        features = word_features(word, self.clusters)
        for o, by_feature in enumerate(self._by_offset):
            found = [by_feature[f] for f in features if f in by_feature]
            self._words[row, :, o] = sum(found) if found else 0.0
        self._word_ids[word] = row
        return row

    def _emissions(self, sentences: Sequence[Sequence[str]], gazetteers: Sequence[Sequence[str]],
                   lengths: npt.NDArray[np.int64]) -> FloatArray:
        """(tokens of all sentences, kinds, labels): each token's label scores before transitions."""
        words = [word for sentence in sentences for word in sentence]
        count = len(words)
        # Bounded, as a long-running worker sees an open-ended vocabulary; emptied between calls, never while one
        # holds rows of it (a row handed out earlier in the call would be overwritten).
        if len(self._word_ids) + count > _WORD_CACHE_LIMIT:
            self._word_ids.clear()
        word_rows = np.fromiter((self._word_id(word) for word in words), dtype=np.int64, count=count)
        tag_ids = self._tag_ids
        tag_rows = np.fromiter((tag_ids.get(tag, 0) for gazetteer in gazetteers for tag in gazetteer),
                               dtype=np.int64, count=count)
        each = self._words[word_rows] + self.gazetteer[tag_rows]  # (tokens, kinds, offsets, labels)
        starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
        position = np.arange(count) - starts  # within its sentence
        length = np.repeat(lengths, lengths)
        scores = self.bias + self.position[np.minimum(position, _MAX_POSITION)]
        for o, offset in enumerate(self.offsets):
            if offset == 0:
                scores += each[:, :, o]
                continue
            inside = (position + offset >= 0) & (position + offset < length)
            source = np.clip(np.arange(count) + offset, 0, count - 1)
            scores += np.where(inside[:, None, None], each[source, :, o], self.pad[o])
        joined = position[1:] > 0  # token i-1 and i are in one sentence
        for family, keys in pair_keys([word.lower() for word in words], self.clusters).items():
            ids = self._pair_ids[family]
            rows = np.fromiter((ids.get(f"{a}|{b}", 0) for a, b in pairwise(keys)), dtype=np.int64,
                               count=max(count - 1, 0))
            rows = np.where(joined, rows, 0)
            scores[1:] += self.pairs[family][rows, 0]  # "b-1=prev|word" at the second word
            scores[:-1] += self.pairs[family][rows, 1]  # "b+1=word|next" at the first
        return scores


def find_spans(texts: Sequence[str], matches: Sequence[Sequence[SkillMatch]] | None, matcher: SkillMatcher,
               tag_many: Callable[[list[list[str]], list[list[str]]], list[dict[SkillKind, list[str]]]]
               ) -> list[list[Span]]:
    """A span model's `find_many`: each text split into SkillSpan's tokens, the vocabulary matcher's tags of them
    (from `matches` when the caller has them, else `matcher`), `tag_many`'s BIO labels per kind read as spans."""
    tokenized = [span_tokens(text) for text in texts]
    if matches is None:
        matches = [matcher.find(text) for text in texts]
    gazetteers = [vocabulary_tags(tokens, found) for tokens, found in zip(tokenized, matches, strict=True)]
    labels = tag_many([[token.text for token in tokens] for tokens in tokenized], gazetteers)
    return text_spans(texts, tokenized, labels)


def viterbi(emissions: FloatArray, lengths: npt.NDArray[np.int64], transitions: FloatArray,
            start: FloatArray | None = None) -> npt.NDArray[np.int64]:
    """Best label paths, (sentences, kinds, longest), for all sentences and both kinds in one pass: `emissions`
    (tokens of all sentences, kinds, labels) are laid out padded per sentence; `transitions` (kinds, from, to);
    `start` (kinds, labels), when given, is added to each sentence's first scores.

    The (sentence, kind) rows are ordered longest first, so the rows still running at a step are a prefix: a
    step costs a few array operations on that prefix (a posting's longest line sets the number of steps)."""
    sentences, longest = len(lengths), int(lengths.max())
    kinds, labels = transitions.shape[0], transitions.shape[1]
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    position = np.arange(len(emissions)) - starts
    row = np.repeat(np.arange(sentences), lengths)
    padded = np.zeros((sentences, longest, kinds, labels), dtype=np.float32)
    padded[row, position] = emissions
    batch_lengths = np.repeat(lengths, kinds)
    order = np.argsort(-batch_lengths, kind="stable")
    batch = padded.transpose(0, 2, 1, 3).reshape(sentences * kinds, longest, labels)[order].transpose(1, 0, 2)
    moves = np.tile(transitions, (sentences, 1, 1))[order]  # (rows, from, to)
    # running[step]: how many rows (longest first) have a word at `step`
    running = (batch_lengths[order][None, :] > np.arange(longest)[:, None]).sum(axis=1)
    score = batch[0].copy()
    if start is not None:
        score += np.tile(start, (sentences, 1))[order]
    back = np.zeros((longest, len(order), labels), dtype=np.int64)
    for step in range(1, longest):
        n = running[step]
        candidates = score[:n, :, None] + moves[:n]
        back[step, :n] = candidates.argmax(axis=1)
        score[:n] = candidates.max(axis=1) + batch[step, :n]
    # Each row's path ends at its best last label; walking back, a row joins when the walk reaches its last word.
    label = score.argmax(axis=1)
    paths = np.zeros((len(order), longest), dtype=np.int64)
    every = np.arange(len(order))
    for step in range(longest - 1, -1, -1):
        n = running[step]
        paths[:n, step] = label[:n]
        if step > 0:
            label[:n] = back[step, every[:n], label[:n]]
    unsorted = np.empty_like(paths)
    unsorted[order] = paths
    return unsorted.reshape(sentences, kinds, longest)


def text_spans(texts: Sequence[str], tokenized: Sequence[Sequence[SpanToken]],
               labels: Sequence[dict[SkillKind, list[str]]]) -> list[list[Span]]:
    """Per text, the spans its words' BIO labels (per kind) mark, with their character offsets in the text
    (`text[start:end] == surface`), in reading order."""
    found: list[list[Span]] = []
    for text, tokens, by_kind in zip(texts, tokenized, labels, strict=True):
        spans = []
        for kind in KINDS:
            for first, end in label_spans(by_kind[kind]):
                start, stop = tokens[first].start, tokens[end - 1].end
                spans.append(Span(kind, text[start:stop], start, stop))
        spans.sort(key=lambda span: (span.start, span.end, span.kind))
        found.append(spans)
    return found


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
               clusters: dict[str, Sequence[int]], card: dict[str, Any], window: int = WINDOW,
               labels: Sequence[str] = LABELS) -> None:
    """Write the artifact: gzip'd JSON, keys sorted and the gzip header's time zeroed, so the same training gives
    the same bytes."""
    document = {
        "format": FORMAT, "labels": list(labels), "offsets": list(range(-window, window + 1)), "card": card,
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
    if document.get("format") != FORMAT or tuple(document.get("labels", ())) not in (LABELS, BIO_LABELS):
        raise ValueError(f"{path} is not a {FORMAT} artifact")
    if set(document["taggers"]) != set(KINDS) or not document.get("offsets"):
        raise ValueError(f"{path} does not hold taggers for {KINDS}")
    return SpanModel(document["taggers"], document["clusters"], document["card"], offsets=document["offsets"],
                     labels=document["labels"])


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
