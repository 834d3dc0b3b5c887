"""Throughput of the deterministic requirement extractor (`extract_requirements`): postings per second, one core.

Reads ../shared/data/postings/glassdoor_ds_jobs.csv (real descriptions, evaluation use only) when it is there,
else the demo boards shipped in demo/boards; skips cleanly when neither can be read.

Usage: python -m bench.extraction_throughput [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from bench.postings import shared_postings_file
from processors.analysis.extraction import default_matcher, extract_requirements
from processors.discovery.model import FetchedPosting

ROOT = Path(__file__).resolve().parents[1]
GLASSDOOR = shared_postings_file(ROOT)
DEMO_GREENHOUSE = ROOT / "demo" / "boards" / "greenhouse" / "examplecorp.json"


def load_postings() -> tuple[str, list[FetchedPosting]]:
    if GLASSDOOR.is_file():
        from processors.discovery.sources import file_import

        # Its 356 repeated rows are rejected as duplicates, one warning each: not news here.
        logging.getLogger(file_import.__name__).setLevel(logging.ERROR)
        imported = file_import.parse(GLASSDOOR.read_bytes(), board_token="glassdoor_ds_jobs.csv", fmt="csv")
        return str(GLASSDOOR), imported.postings
    if DEMO_GREENHOUSE.is_file():
        from processors.discovery.sources import greenhouse

        return str(DEMO_GREENHOUSE), greenhouse.parse(json.loads(DEMO_GREENHOUSE.read_text()),
                                                      board_token="examplecorp")
    return "", []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the postings (default 3)")
    args = parser.parse_args()
    source, postings = load_postings()
    if not postings:
        print("skipped: no postings to read (neither ../shared/data/postings nor the demo boards)")
        sys.exit(0)

    started = time.perf_counter()
    default_matcher()
    built_s = time.perf_counter() - started

    characters = sum(len(posting.description_text) for posting in postings)
    started = time.perf_counter()
    skills = 0
    for _ in range(args.rounds):
        for posting in postings:
            skills += len(extract_requirements(posting).skills)
    elapsed = time.perf_counter() - started
    count = len(postings) * args.rounds
    print(f"postings: {len(postings)} from {source} ({characters / len(postings):,.0f} characters on average)")
    print(f"vocabulary and matcher built once in {built_s:.2f} s")
    print(f"extract_requirements: {count} postings in {elapsed:.2f} s = {count / elapsed:,.0f} postings/s "
          f"({elapsed / count * 1000:.2f} ms each; {skills / count:.1f} skills per posting)")


if __name__ == "__main__":
    main()
