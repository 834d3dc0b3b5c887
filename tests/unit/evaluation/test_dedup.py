"""The dedup evaluation's own machinery on a small set the test writes (real-shaped, made up): the set builder
through the adapters, the truth, the replay, the confusion matrix, the logistic fit."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pytest

from evaluation.dedup import LABELS, evaluate, fit_logistic, report_lines
from evaluation.dedup_data import build, pair_truth, parse_copy, republish, split_sections

ROLE = ("About the role\n\nAs a {title} at Cursor, you'll own {focus} for our enterprise customers and work with "
        "Sales and Field Engineering every day.\n\nWhat you'll do\n\n- Build {focus} tooling in TypeScript\n"
        "- Run {focus} reviews with customers\n- Write the playbooks\n\nYou may be a fit if\n\n"
        "- You have 5+ years of experience in {focus}\n- You write clearly")
MISSION = "Our mission is to automate coding. Our team is small and talent dense."


def ashby_job(n: int, title: str, location: str, focus: str, *, remote: bool = False) -> dict:
    text = f"{MISSION}\n\n" + ROLE.format(title=title, focus=focus)
    body = "".join(f"<h2>{b}</h2>" if len(b.split()) <= 5 and not b.startswith("-") else
                   "<ul>" + "".join(f"<li>{line[2:]}</li>" for line in b.split("\n")) + "</ul>"
                   if b.startswith("-") else f"<p>{b}</p>" for b in text.split("\n\n"))
    return {"id": f"job-{n}", "title": title, "location": location, "isListed": True, "isRemote": remote,
            "workplaceType": "Remote" if remote else "OnSite", "employmentType": "FullTime",
            "jobUrl": f"https://jobs.ashbyhq.com/cursor/job-{n}",
            "applyUrl": f"https://jobs.ashbyhq.com/cursor/job-{n}/application", "descriptionHtml": body,
            "publishedAt": "2026-01-01T00:00:00Z", "compensation": {}}


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    boards = tmp_path / "data" / "boards"
    boards.mkdir(parents=True)
    jobs = [ashby_job(1, "Commercial Account Executive", "New York", "pipeline"),
            ashby_job(2, "Commercial Account Executive", "San Francisco", "pipeline"),
            ashby_job(3, "Enterprise Account Executive, Southeast", "Remote", "southeast accounts", remote=True),
            ashby_job(4, "Enterprise Account Executive, Southwest", "Remote", "southwest accounts", remote=True),
            ashby_job(5, "AI Deployment Manager", "SF / NY", "deployments"),
            ashby_job(6, "Manager, AI Deployment", "SF / NY", "deployments")]
    (boards / "ashby_cursor_jobs.json").write_text(json.dumps({"jobs": jobs}))
    postings = tmp_path / "data" / "postings"
    postings.mkdir()
    with (postings / "jobspy_indeed_google_sample.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Job ID", "Job Title (Primary)", "Company Name", "Is Remote", "Currency", "Salary Min",
                         "Salary Max", "Location City", "Location State", "Location Country", "Job URL",
                         "Job Description", "Job Source"])
        for n, state in enumerate(["FL", "MA"]):
            writer.writerow([f"in-{n}", "Sales Account Manager - Supply", "Greenlane", "True", "USD",
                             60000 + n * 9000, 80000 + n * 9000, "Unknown", state, "US",
                             f"https://www.indeed.com/viewjob?jk={n}", "Grow accounts in your state.", "indeed"])
        writer.writerow(["in-0", "Sales Account Manager - Supply", "Greenlane", "True", "USD", 60000, 80000,
                         "Unknown", "FL", "US", "https://www.indeed.com/viewjob?jk=0",
                         "Grow accounts in your state.", "indeed"])
    return tmp_path


class HashingEmbedder:
    """Bag of words hashed into 384 dimensions: similar texts are close, without a model."""

    def embed(self, texts: list[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), 384), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z]+", text.lower()):
                vectors[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % 384] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return vectors / norms


def everything(shared: Path) -> list:
    data = build(shared, seed=1)
    return data.tuning + data.held_out


def by_title(postings: list, title: str, source: str = "ASHBY") -> list:
    return [p for p in postings if p.posting.title == title and p.posting.source.value == source]


def test_the_truth_comes_from_the_sources(shared: Path) -> None:
    postings = everything(shared)
    ny, sf = by_title(postings, "Commercial Account Executive")
    assert pair_truth(ny, sf) == "same_role"  # one title, no location in common
    [southeast] = by_title(postings, "Enterprise Account Executive, Southeast")
    [southwest] = by_title(postings, "Enterprise Account Executive, Southwest")
    assert pair_truth(southeast, southwest) == "different"
    [first] = by_title(postings, "AI Deployment Manager")
    [second] = by_title(postings, "Manager, AI Deployment")
    assert pair_truth(first, second) == "duplicate"  # the hand-checked pair
    greenlane = [p for p in postings if p.posting.company == "Greenlane"]
    assert len(greenlane) >= 3
    fl = [p for p in greenlane if p.posting.locations == ["FL, US"]]
    ma = [p for p in greenlane if p.posting.locations == ["MA, US"]]
    assert pair_truth(fl[0], fl[1]) == "duplicate" and pair_truth(fl[0], ma[0]) == "same_role"


def test_every_cursor_posting_is_republished_on_other_boards_through_their_adapters(shared: Path) -> None:
    postings = everything(shared)
    copies = [p for p in postings if "shape of ashby" in p.origin]
    originals = [p for p in postings if p.posting.source.value == "ASHBY"]
    assert {p.group for p in copies} == {p.group for p in originals}
    assert {p.posting.source.value for p in copies} <= {"GREENHOUSE", "LEVER", "FEED", "FILE"}
    for copy in copies:
        [original] = [p for p in originals if f"({p.posting.source_job_id})" in copy.origin]
        assert pair_truth(copy, original) == "duplicate"
        if copy.posting.source.value == "GREENHOUSE":
            assert copy.posting.company == "Anysphere" and copy.posting.url.startswith("https://cursor.com/careers")
        if copy.posting.source.value in ("FEED", "FILE"):
            assert len(copy.posting.description_text) <= 510  # the aggregator's cut


def test_the_split_keeps_a_family_on_one_side(shared: Path) -> None:
    data = build(shared, seed=1)
    tuning, held_out = {p.family for p in data.tuning}, {p.family for p in data.held_out}
    assert not tuning & held_out
    ids = [p.posting.canonical_job_id for p in data.tuning]
    assert [p.posting.canonical_job_id for p in build(shared, seed=1).tuning] == ids  # seeded


def test_a_copy_parses_back_with_its_shape(shared: Path) -> None:
    import random

    from evaluation.dedup_data import load_ashby

    [original] = [o for o in load_ashby(shared / "data" / "boards" / "ashby_cursor_jobs.json")
                  if o.fetched.title == "Manager, AI Deployment"]
    copies = republish(original, random.Random(0), 1, ["greenhouse", "lever"])
    greenhouse, lever = (parse_copy(copy) for copy, _ in copies)
    assert greenhouse.locations == ["San Francisco, CA", "New York, NY"]
    assert "equal opportunity" in greenhouse.description_text
    assert greenhouse.description_text.index("deployments") < greenhouse.description_text.index("mission")
    assert lever.company == "anysphere" and lever.locations == ["San Francisco Bay Area", "New York, NY, US"]
    opening, sections = split_sections(original.fetched.description_text)
    assert opening.startswith("Our mission") and [h for h, _ in sections][:2] == ["About the role", "What you'll do"]


def test_the_evaluation_reports_both_parts_with_a_confusion_matrix(shared: Path) -> None:
    report = evaluate(shared, HashingEmbedder(), seed=1, fit_model=True)
    for part in (report.tuning, report.held_out):
        assert set(part.confusion) == set(LABELS)
        assert 0.0 <= part.duplicate_precision <= 1.0 and 0.0 <= part.same_role_accuracy <= 1.0
    lines = report_lines(report)
    text = "\n".join(lines)
    assert "held-out part (never tuned on)" in text and "truth \\ predicted" in text
    assert "duplicate precision" in text and report.fitted is not None


def test_the_evaluation_skips_what_is_not_there(tmp_path: Path) -> None:
    report = evaluate(tmp_path, HashingEmbedder())
    assert report.sources == [] and report.tuning.errors == []


def test_logistic_fit_separates_what_is_separable() -> None:
    x = np.array([[0.0], [0.1], [0.2], [0.8], [0.9], [1.0]])
    y = np.array([0, 0, 0, 1, 1, 1], dtype=float)
    bias, weights = fit_logistic(x, y, l2=0.1)
    predictions = 1 / (1 + np.exp(-(bias + x @ weights)))
    assert (predictions[:3] < 0.5).all() and (predictions[3:] > 0.5).all()
