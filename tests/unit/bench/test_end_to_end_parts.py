"""The end-to-end benchmark's pure parts: posting loading, board files, counting, percentiles and rates."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from bench.end_to_end import figures, percentile, rate, steady_rate
from bench.pipeline import TopicTally, load_postings, tally_of
from bench.postings import bench_user, demo_postings, load_glassdoor, write_boards
from processors.discovery.matching import match_search
from processors.discovery.sources import ashby, greenhouse, lever
from streams.messages import Preferences, SavedSearch

ROOT = Path(__file__).resolve().parents[3]
HEADER = ["", "Job Title", "Salary Estimate", "Job Description", "Rating", "Company Name", "Location",
          "Headquarters", "Size", "Founded", "Type of ownership", "Industry", "Sector", "Revenue", "Competitors"]


def _row(n: int, title: str, company: str, rating: str = "3.8", industry: str = "-1") -> list[str]:
    return [str(n), title, "$53K-$91K (Glassdoor est.)", f"{title}\nPython, SQL and machine learning.", rating,
            company, "Austin, TX", "-1", "-1", "-1", "-1", industry, "-1", "-1", "-1"]


def test_glassdoor_rows_repeated_exactly_are_dropped_and_ratings_and_missing_values_read(tmp_path: Path) -> None:
    path = tmp_path / "jobs.csv"
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerow(_row(0, "Data Scientist", "Tecolote Research\n3.8"))
        writer.writerow(_row(1, "Data Scientist", "Tecolote Research\n3.8"))  # the same row, another row number
        writer.writerow(_row(2, "Data Engineer", "Acme", rating="-1", industry="Retail"))
    postings = load_glassdoor(path)
    assert [p.title for p in postings] == ["Data Scientist", "Data Engineer"]
    assert postings[0].company == "Tecolote Research" and postings[0].rating == 3.8
    assert postings[1].rating is None and postings[1].industry == "Retail" and postings[0].industry == ""


def test_the_demo_boards_stand_in_with_numbered_copies() -> None:
    postings = demo_postings(ROOT / "demo" / "boards", 40)
    assert len(postings) == 40
    assert len({(p.title, p.company) for p in postings}) == 40


def test_without_shared_postings_the_setup_names_the_file_it_looked_for(tmp_path: Path) -> None:
    # Review finding: a fresh clone without ../shared printed "no ../shared/None on this machine".
    root = tmp_path / "project"
    root.mkdir()
    (root / "demo").symlink_to(ROOT / "demo")
    postings, source = load_postings(12, root)
    assert len(postings) == 12
    assert f"no {tmp_path / 'shared' / 'data' / 'postings' / 'glassdoor_ds_jobs.csv'} on this machine" in source


def test_board_files_parse_with_discoverys_own_parsers_and_a_bench_user_matches_them(tmp_path: Path) -> None:
    postings = demo_postings(ROOT / "demo" / "boards", 12)
    boards = write_boards(postings, tmp_path, per_board=2)
    assert sorted({b.source for b in boards}) == ["ashby", "greenhouse", "lever"]
    assert sum(b.postings for b in boards) == 12
    parsers = {"greenhouse": greenhouse.parse, "lever": lever.parse, "ashby": ashby.parse}
    parsed = [p for b in boards
              for p in parsers[b.source](json.loads((tmp_path / b.source / f"{b.token}.json").read_text()),
                                         board_token=b.token)]
    assert len(parsed) == 12
    # Lever and Ashby postings name an address to apply to (the email channel).
    assert all(p.apply_url and p.apply_url.startswith("mailto:") for p in parsed if p.source.value != "GREENHOUSE")
    email, profile, prefs = bench_user(3, boards[:1])
    assert Preferences.model_validate(prefs).submission_mode.value == "AUTO"
    assert profile["basics"]["email"] == email and email != bench_user(4, boards[:1])[0]
    search = SavedSearch.model_validate(prefs["saved_searches"][0])
    assert any(match_search(p, search) is not None for p in parsed)


def test_percentiles_interpolate_and_rates_need_a_span() -> None:
    assert percentile([], 50) is None
    assert percentile([5.0], 99) == 5.0
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile(list(range(101)), 95) == 95
    assert rate(10, 0, 2000) == 5.0
    assert rate(1, 0, 2000) is None and rate(10, 1000, 1000) is None
    assert steady_rate([0] * 5) is None
    assert steady_rate([i * 100 for i in range(100)]) == pytest.approx(10.0, rel=0.02)


def _tallies(**records: list[tuple[object, dict[str, object], int]]) -> dict[str, TopicTally]:
    return {name.replace("_", "."): TopicTally(records=list(rs)) for name, rs in records.items()}


def test_the_tally_counts_expected_against_got_per_stage_and_duplicates() -> None:
    tallies = _tallies(
        user_profiles=[("u1", {}, 1), ("u2", {}, 1)],
        job_discovered=[("u1", {"user_id": "u1", "canonical_job_id": "j1"}, 1000),
                        ("u1", {"user_id": "u1", "canonical_job_id": "j2"}, 1000),
                        ("u2", {"user_id": "u2", "canonical_job_id": "j1"}, 2000)],
        job_analyzed=[("u1", {"user_id": "u1", "canonical_job_id": "j1", "decision": "PROCEED"}, 3000),
                      ("u1", {"user_id": "u1", "canonical_job_id": "j2", "decision": "SKIP"}, 3000),
                      ("u2", {"user_id": "u2", "canonical_job_id": "j1", "decision": "PROCEED"}, 3000)],
        resume_generated=[("u1", {"user_id": "u1", "canonical_job_id": "j1", "variant_id": v, "variants_total": 2},
                           4000) for v in ("a", "b")],
        application_updates=[("u1", {"user_id": "u1", "canonical_job_id": "j1", "status": "SUBMITTED"}, 5000)],
        application_submitted=[("u1", {"user_id": "u1", "canonical_job_id": "j1"}, 5000),
                               ("u1", {"user_id": "u1", "canonical_job_id": "j1"}, 6000)],
    )
    tally = tally_of(tallies, 2, {"u1": 2, "u2": 1}, discovery_quiet=False)
    assert tally.stages["discovery"] == {"expected": 3, "got": 3}
    assert tally.stages["analysis"] == {"expected": 3, "got": 3, "proceed": 2}
    assert tally.stages["generation"]["got"] == 1  # u2's resumes have not come
    assert tally.stages["submission"]["submitted"] == 1 and not tally.done
    assert tally.duplicates == {"application.submitted": 1}
    assert tally.latencies_s == [4.0] and tally.first_discovered_ms == 1000 and tally.last_submitted_ms == 5000
    result = figures(tally, {"analysis": 8.0, "generation": 2.0}, workers=1, wall_s=10.0, lags={})
    assert result["bottleneck"] == "analysis" and result["cpu_share_per_process"]["analysis"] == 0.8
    assert result["applications_per_s_sustained"] is None and not result["target_met"]  # one record: no span


def test_growths_marginal_cost_leaves_the_fixed_start_up_out() -> None:
    from bench.growth import with_marginal

    points = [{"users": u, "workers": 1, "applications": a, "cpu_s_total": c}
              for u, a, c in ((10, 10, 30.0), (50, 50, 50.0), (200, 200, 110.0))]
    assert [p["marginal_cpu_ms_per_application"] for p in with_marginal(points)] == [None, 500.0, 400.0]
