"""Throughput of requirement extraction on the model path (`extract_requirements` with the skill span model) against
the vocabulary path alone: postings per second, in one process and in `--workers` processes (this machine has two
cores).

Reads ../shared/data/postings/glassdoor_ds_jobs.csv (real descriptions, evaluation use only) when it is there,
else the demo boards shipped in demo/boards; skips cleanly when neither can be read or no model is installed.
Prints the figures and writes them to bench/results/skill_spans_throughput.json. With `--tagger FILE` the model path
is the fine-tuned MiniLM tagger (`RESUMEFLOW_SKILL_TAGGER`) instead of the CRF, and the figures go to
skill_tagger_throughput.json; `--limit N` reads only the first N postings (the tagger is slow).

Usage: python -m bench.skill_spans_throughput [--rounds N] [--workers N] [--tagger FILE] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench.extraction_throughput import load_postings
from processors.analysis.extraction import extract_requirements
from processors.discovery.model import FetchedPosting
from textkit.skill_spans import SpanFinder, load_span_model, shipped_artifact
from textkit.skills import default_matcher

RESULTS = Path(__file__).resolve().parent / "results"


def _model(tagger: Path | None, student: Path | None = None) -> SpanFinder | None:
    if student is not None:
        from adapters.skill_student import read_student

        return read_student(student)
    if tagger is None:
        return load_span_model()
    from adapters.skill_tagger import read_tagger

    return read_tagger(tagger)


def _run(postings: list[FetchedPosting], rounds: int, model_path: bool, tagger: Path | None = None,
         threads: int | None = None, student: Path | None = None) -> tuple[int, int, float]:
    """(postings, skills found, seconds) over `rounds` passes, after a warm-up pass that fills the caches."""
    if threads is not None:
        import torch

        torch.set_num_threads(threads)
    model = _model(tagger, student) if model_path else None
    for posting in postings[:10 if tagger else 50]:
        extract_requirements(posting, spans=model)
    started = time.perf_counter()
    skills = 0
    for _ in range(rounds):
        for posting in postings:
            skills += len(extract_requirements(posting, spans=model).skills)
    return len(postings) * rounds, skills, time.perf_counter() - started


def _worker(arguments: tuple[list[FetchedPosting], int, bool, Path | None, int | None, Path | None]
            ) -> tuple[int, int, float]:
    return _run(*arguments)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2, help="passes over the postings (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="processes for the parallel figure (default 2)")
    parser.add_argument("--tagger", type=Path, help="a fine-tuned MiniLM tagger file: measure it instead of the CRF")
    parser.add_argument("--student", type=Path,
                        help="a convolutional student file (resumeflow train skills --approach conv-student): "
                             "measure it instead of the CRF")
    parser.add_argument("--limit", type=int, help="only the first N postings")
    args = parser.parse_args()
    source, postings = load_postings()
    postings = postings[:args.limit] if args.limit else postings
    if not postings:
        print("skipped: no postings to read (neither ../shared/data/postings nor the demo boards)")
        sys.exit(0)
    started = time.perf_counter()
    if args.tagger and args.student:
        parser.error("--tagger or --student, not both")
    model = _model(args.tagger, args.student)
    if model is None:
        print(f"skipped: no skill span model at {shipped_artifact()} (resumeflow train skills)")
        sys.exit(0)
    default_matcher()
    loaded_s = time.perf_counter() - started
    words = sum(len(p.description_text.split()) for p in postings) / len(postings)
    print(f"postings: {len(postings)} from {source} ({words:,.0f} words on average)")
    print(f"model {model.name} and vocabulary loaded in {loaded_s:.2f} s")

    figures: dict[str, dict[str, float]] = {}
    for name, model_path in (("vocabulary", False), ("model", True)):
        count, skills, elapsed = _run(postings, args.rounds, model_path, args.tagger, None, args.student)
        figures[name] = {"postings": count, "seconds": round(elapsed, 3),
                         "postings_per_s": round(count / elapsed, 1),
                         "ms_per_posting": round(elapsed / count * 1000, 3),
                         "skills_per_posting": round(skills / count, 1)}
        print(f"{name:10} 1 process: {count} postings in {elapsed:.2f} s = {count / elapsed:,.0f} postings/s "
              f"({elapsed / count * 1000:.2f} ms each; {skills / count:.1f} skills per posting)")
    if args.workers > 1:
        shares = [postings[i::args.workers] for i in range(args.workers)]
        started = time.perf_counter()
        with ProcessPoolExecutor(args.workers) as pool:
            # a tagger's torch threads share the cores: one each, or the processes fight over them
            threads = max(1, (os.cpu_count() or 1) // args.workers) if args.tagger else None
            results = list(pool.map(_worker, [(share, args.rounds, True, args.tagger, threads, args.student)
                                              for share in shares]))
        wall = time.perf_counter() - started
        count = sum(r[0] for r in results)
        busy = max(r[2] for r in results)
        figures["model_parallel"] = {"workers": args.workers, "postings": count, "seconds": round(busy, 3),
                                     "postings_per_s": round(count / busy, 1), "wall_s_with_start_up": round(wall, 3)}
        print(f"{'model':10} {args.workers} processes: {count} postings in {busy:.2f} s = {count / busy:,.0f} "
              f"postings/s (each process timed after its own start-up and warm-up)")

    results_file = RESULTS / ("skill_tagger_throughput.json" if args.tagger else
                              "skill_student_throughput.json" if args.student else "skill_spans_throughput.json")
    results_file.parent.mkdir(parents=True, exist_ok=True)
    results_file.write_text(json.dumps({
        "benchmark": "skill_spans_throughput", "source": source, "postings": len(postings),
        "words_per_posting": round(words), "rounds": args.rounds, "model": model.name,
        "model_card": {k: model.card.get(k) for k in ("git_commit", "seed", "training_data")},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "figures": figures,
    }, indent=2) + "\n")
    print(f"wrote {results_file}")


if __name__ == "__main__":
    main()
