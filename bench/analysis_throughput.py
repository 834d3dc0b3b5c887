"""How fast analysis embeds postings for semantic dedup, in float32 and with int8 dynamic quantization.

Embeds the distinct Glassdoor postings in `../shared` (the text of `embedding_text`, batch 64), once with the
float32 model and once with the transformer's Linear layers quantized to int8 per output channel
(`torch.quantization.quantize_dynamic`), and prints postings/s for each and how far the int8 vectors are from
the float32 ones (cosine per posting, and whether each posting's nearest neighbour stays the same).

Usage: python -m bench.analysis_throughput [--data PATH] [--limit N]
Skips cleanly (exit 0) when the data is absent: `../shared` is not part of a clone.
"""

from __future__ import annotations

import argparse
import logging
import time
import warnings
from pathlib import Path

import numpy as np

from adapters.embeddings import MiniLmEmbedder
from evaluation.dedup import load_glassdoor

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "postings" / "glassdoor_ds_jobs.csv"


def _timed(embedder: MiniLmEmbedder, texts: list[str]) -> tuple[np.ndarray, float]:
    embedder.embed(texts[:2])  # load the model and warm up outside the timing
    started = time.perf_counter()
    vectors = embedder.embed(texts)
    return vectors, time.perf_counter() - started


def _top1(vectors: np.ndarray) -> np.ndarray:
    similarities = vectors @ vectors.T
    np.fill_diagonal(similarities, -np.inf)
    return np.argmax(similarities, axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, help="only the first N rows")
    args = parser.parse_args()
    if not args.data.is_file():
        print(f"skipped: no {args.data} (the shared evaluation data is not part of the project)")
        return
    logging.basicConfig(level=logging.WARNING)

    texts = sorted({p.text for p in load_glassdoor(args.data, args.limit)})
    print(f"data: {args.data}: {len(texts)} distinct postings, mean {np.mean([len(t) for t in texts]):.0f} "
          f"characters embedded (title, company, locations, ~1000 characters of description), batch 64")

    fp32, fp32_s = _timed(MiniLmEmbedder(), texts)
    print(f"float32: {len(texts) / fp32_s:8.1f} postings/s ({fp32_s:.1f}s)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch deprecates the quantized tensor constructors it uses
            int8, int8_s = _timed(MiniLmEmbedder(int8=True), texts)
    except (RuntimeError, NotImplementedError, AttributeError) as exc:  # no quantized engine on this CPU/build
        print(f"int8 dynamic quantization unavailable: {type(exc).__name__}: {exc}")
        return
    cosine = np.sum(fp32 * int8, axis=1)
    same_top1 = float(np.mean(_top1(fp32) == _top1(int8))) if len(texts) > 1 else 1.0
    print(f"int8:    {len(texts) / int8_s:8.1f} postings/s ({int8_s:.1f}s, {fp32_s / int8_s:.2f}x float32)")
    print(f"int8 vs float32 cosine per posting: mean {cosine.mean():.4f}, min {cosine.min():.4f}, "
          f"5th percentile {np.percentile(cosine, 5):.4f}; same nearest neighbour for {same_top1:.1%}")


if __name__ == "__main__":
    main()
