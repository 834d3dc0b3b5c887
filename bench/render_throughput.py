"""How fast the generation renderers turn a one-page tailored résumé into PDF (each Typst template), HTML and
Markdown: renders/s and p50/p95 ms per résumé, single-threaded, after one warm-up render; and a whole tailored
generation for one (profile, posting) through the generation pipeline (`prepare` then `render`: three variants
fitted to their page and rendered, and the cover letter), as the generation processor runs it without an LLM.

Typst memoizes compilations in-process, so rendering the *same* input again is far cheaper than a new résumé.
Each timed PDF render therefore gets a distinct résumé (one bullet carries the run number); the "repeat" line
shows the cached cost of re-rendering identical input, for contrast.

The comparison with rendercv (which generates Typst source from a YAML CV) runs only when rendercv is
available: in this interpreter, or in another one given with `--rendercv-python` (it is not a project
dependency; e.g. `python3 -m venv /tmp/rcv && /tmp/rcv/bin/pip install "rendercv[full]==2.3"`).

The generation uses the demo profile (demo/ada.profile.json) and the first demo Greenhouse posting, both shipped.
Writes bench/results/render_throughput.json.

Usage: python -m bench.render_throughput [--quick] [--renders N] [--generations N]
                                         [--rendercv-python /tmp/rcv/bin/python]
(no stack needed)
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from bench.record import percentiles_ms, write_result
from cli.job_file import job_from_text
from processors.discovery.sources import greenhouse
from processors.generation.model import Entry, Line, ResumeSection, TailoredResume
from processors.generation.pipeline import prepare, render
from processors.generation.render_text import render_html, render_markdown
from processors.generation.render_typst import render_pdf


def sample_resume(run: int = 0) -> TailoredResume:
    def line(text: str) -> Line:
        return Line.verbatim(text, "/work/0/highlights/0")

    return TailoredResume(
        variant_id="bench", strategy="experience_first", name=line("Ada Lovelace"),
        contact=[line("ada@example.org"), line("+44 20 7946 0000"), line("London, UK")],
        sections=[
            ResumeSection(kind="summary", title="Summary", entries=[
                Entry(bullets=[line("Backend engineer building event-driven data pipelines in Python and Go.")])]),
            ResumeSection(kind="experience", title="Experience", entries=[
                Entry(heading=line("Analytical Engines Ltd"), subheading=line("Senior Engineer"),
                      dates=line("2021 - Present"), bullets=[
                          line("Designed the Kafka stream processors for order matching."),
                          line("Cut p95 latency from 800 ms to 120 ms by batching writes to PostgreSQL."),
                          line(f"Led a team of {run + 4} engineers through a zero-downtime migration."),
                      ]),
                Entry(heading=line("Difference Works"), subheading=line("Engineer"), dates=line("2018 - 2021"),
                      bullets=[line("Maintained the billing service in Python."),
                               line("Introduced property-based tests that found 12 rounding bugs.")]),
            ]),
            ResumeSection(kind="skills", title="Skills", entries=[
                Entry(heading=line("Languages"), bullets=[line("Python"), line("Go"), line("SQL")]),
                Entry(heading=line("Tools"), bullets=[line("Kafka"), line("PostgreSQL"), line("Docker")])]),
            ResumeSection(kind="education", title="Education", entries=[
                Entry(heading=line("University of London"), subheading=line("BSc Mathematics"),
                      dates=line("2014 - 2018"), bullets=[line("First-class honours.")])]),
        ],
        pages=1,
    )


# The same résumé as a rendercv input, for the comparison.
RENDERCV_CV = {"cv": {
    "name": "Ada Lovelace", "email": "ada@example.org", "location": "London, UK",
    "sections": {
        "summary": ["Backend engineer building event-driven data pipelines in Python and Go."],
        "experience": [
            {"company": "Analytical Engines Ltd", "position": "Senior Engineer", "start_date": "2021-01",
             "end_date": "present", "highlights": [
                 "Designed the Kafka stream processors for order matching.",
                 "Cut p95 latency from 800 ms to 120 ms by batching writes to PostgreSQL.",
                 "Led a team of four engineers through a zero-downtime migration."]},
            {"company": "Difference Works", "position": "Engineer", "start_date": "2018-01", "end_date": "2021-01",
             "highlights": ["Maintained the billing service in Python.",
                            "Introduced property-based tests that found 12 rounding bugs."]},
        ],
        "skills": [{"label": "Languages", "details": "Python, Go, SQL"},
                   {"label": "Tools", "details": "Kafka, PostgreSQL, Docker"}],
        "education": [{"institution": "University of London", "area": "Mathematics", "degree": "BSc",
                       "start_date": "2014", "end_date": "2018", "highlights": ["First-class honours."]}],
    },
}}

# Run by the rendercv interpreter: N renders of the CV read from stdin, timings (s) out as JSON.
# Its themes `#import "@preview/fontawesome:0.5.0"`, which typst downloads from packages.typst.org: offline
# only the Typst-source generation step (validation + Jinja) can be timed.
_RENDERCV_SCRIPT = """
import json, pathlib, sys, tempfile, time
from rendercv.api import create_a_pdf_from_a_python_dictionary as pdf
from rendercv.api import create_contents_of_a_typst_file_from_a_python_dictionary as source
cv, n = json.load(sys.stdin), int(sys.argv[1])

def timed(render):
    render(0)
    times = []
    for i in range(n):
        started = time.perf_counter()
        render(i)
        times.append(time.perf_counter() - started)
    return times

def variant(i):
    return {"cv": {**cv["cv"], "name": f"Ada Lovelace {i}"}}

result = {"source": timed(lambda i: source(variant(i)))}
with tempfile.TemporaryDirectory() as tmp:
    out = pathlib.Path(tmp) / "cv.pdf"
    try:
        result["pdf"] = timed(lambda i: pdf(variant(i), out))
    except Exception as exc:
        result["pdf_error"] = f"{type(exc).__name__}: {exc}"
json.dump(result, sys.stdout)
"""


def measure(render: Callable[[], object], renders: int) -> list[float]:
    render()  # warm-up: first-use costs (font book, template parse) are not per-résumé costs
    times = []
    for _ in range(renders):
        started = time.perf_counter()
        render()
        times.append(time.perf_counter() - started)
    return times


def report(label: str, times: list[float], unit: str = "renders/s") -> dict[str, float]:
    ms = [t * 1000 for t in times]
    cuts = statistics.quantiles(ms, n=20)  # 19 cut points: [9] is p50, [18] is p95
    print(f"{label:<22} {len(times) / sum(times):8.1f} {unit}   p50 {cuts[9]:7.2f} ms   p95 {cuts[18]:7.2f} ms")
    return {"count": len(times), "per_s": round(len(times) / sum(times), 2), "p50_ms": round(cuts[9], 2),
            "p95_ms": round(cuts[18], 2), **{k: v for k, v in percentiles_ms(times).items() if k == "max_ms"}}


DEMO = Path(__file__).resolve().parents[1] / "demo"


def generation_input() -> tuple[dict[str, Any], str]:
    """The demo profile and the first demo Greenhouse posting as plain text (title line, then description)."""
    profile = json.loads((DEMO / "ada.profile.json").read_text(encoding="utf-8"))
    board = json.loads((DEMO / "boards" / "greenhouse" / "examplecorp.json").read_text(encoding="utf-8"))
    posting = greenhouse.parse(board, board_token="examplecorp")[0]
    return profile, f"{posting.title} at {posting.company}\n{posting.description_text}"


def whole_generation(profile: dict[str, Any], text: str, today: date) -> int:
    """One tailored generation from the posting's text; returns the bytes of PDF produced."""
    job, job_text = job_from_text(text)
    generated = render(prepare(profile, job, job_text=job_text, today=today), job=job, job_text=job_text,
                       profile=profile, today=today)
    return sum(len(v.pdf) for v in generated.variants) + len(generated.letter_pdf)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--renders", type=int, default=50)
    parser.add_argument("--generations", type=int, default=10, help="whole tailored generations timed")
    parser.add_argument("--quick", action="store_true", help="10 renders, 3 generations")
    parser.add_argument("--rendercv-python", help="an interpreter with rendercv installed")
    args = parser.parse_args()
    if args.quick:
        args.renders, args.generations = min(args.renders, 10), min(args.generations, 3)
    if args.renders < 2 or args.generations < 2:
        parser.error("--renders and --generations must be at least 2 (percentiles need two samples)")
    print(f"setup: {args.renders} renders per line, {args.generations} whole generations, one thread, after a "
          "warm-up; a one-page résumé with 2 employers, 7 bullets")
    figures: dict[str, dict[str, float]] = {}

    resumes = [sample_resume(run) for run in range(args.renders + 1)]
    resume = resumes[0]
    for template in ("classic", "compact"):
        distinct = iter(resumes)
        figures[f"pdf_{template}"] = report(
            f"pdf {template}", measure(lambda t=template, d=distinct: render_pdf(next(d), template=t), args.renders))
        figures[f"pdf_{template}_repeat"] = report(
            f"pdf {template} repeat", measure(lambda t=template: render_pdf(resume, template=t), args.renders))
    figures["html_classic"] = report("html classic", measure(lambda: render_html(resume, template="classic"),
                                                             args.renders))
    figures["markdown"] = report("markdown", measure(lambda: render_markdown(resume), args.renders))
    profile, text = generation_input()
    today = date.today()
    # Each timed generation gets a distinct posting text (a run number appended) so Typst's cache cannot help.
    runs = iter(range(args.generations + 1))
    figures["whole_generation"] = report(
        "whole generation", measure(lambda: whole_generation(profile, f"{text}\nReference {next(runs)}.", today),
                                    args.generations), unit="resumes/s")
    print("  (whole generation: 3 variants fitted and rendered to PDF, HTML and Markdown, plus the cover letter)")
    settings = {"renders": args.renders, "generations": args.generations, "generation_profile": "demo/ada.profile.json",
                "generation_posting": "demo/boards/greenhouse/examplecorp.json[0]"}

    python = args.rendercv_python or (sys.executable if importlib.util.find_spec("rendercv") else None)
    if python is None:
        print("rendercv: skipped (not installed here; pass --rendercv-python to compare)")
    else:
        figures.update(rendercv(python, args.renders))
    print(f"wrote {write_result('render_throughput', settings, figures)}")


def rendercv(python: str, renders: int) -> dict[str, dict[str, float]]:
    done = subprocess.run([python, "-c", _RENDERCV_SCRIPT, str(renders)], input=json.dumps(RENDERCV_CV),
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(f"rendercv: failed: {done.stderr.strip().splitlines()[-1:]}")
        return {}
    result = json.loads(done.stdout)
    figures = {"rendercv_typst_source": report("rendercv typst source", result["source"])}
    if "pdf" in result:
        figures["rendercv_pdf_classic"] = report("rendercv pdf classic", result["pdf"])
    else:
        print(f"rendercv pdf: failed: {result['pdf_error'][:160]}")
    return figures


if __name__ == "__main__":
    main()
