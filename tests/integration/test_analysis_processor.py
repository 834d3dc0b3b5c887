"""Analysis on the real stack: requirements once per posting, semantic dedup in pgvector, each user's match."""

from __future__ import annotations

import json
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from processors.profiles.step import user_id_for_email
from tests.conftest import FIXTURES
from tests.integration.conftest import Worker, run_cli

pytestmark = pytest.mark.integration
Reader = Callable[..., list[Any]]
ADA_MATCHES = {"greenhouse:examplecorp:7001001", "greenhouse:examplecorp:7001004", "lever:example:a1b2c3d4-0002"}


def register(tmp_path: Path, prefs: dict[str, Any]) -> str:
    email = f"analysis-{uuid.uuid4().hex[:10]}@example.org"
    (tmp_path / "prefs.json").write_text(json.dumps(prefs))
    run_cli("user", "create", "--email", email, "--profile", str(FIXTURES / "profile_ada.json"),
            "--prefs", str(tmp_path / "prefs.json"))
    return user_id_for_email(email)


def analyzed_for(read_topic: Reader, user_id: str, jobs: set[str]) -> dict[str, dict[str, Any]]:
    def all_there(messages: list[Any]) -> bool:
        return jobs <= {m.value()["canonical_job_id"] for m in messages if m.key() == user_id}

    return {m.value()["canonical_job_id"]: m.value() for m in read_topic("job.analyzed", all_there, timeout_s=120)
            if m.key() == user_id}


def test_each_discovered_posting_is_scored_for_the_user_with_reasons(
    analysis_worker: Worker, read_topic: Reader, tmp_path: Path
) -> None:
    user_id = register(tmp_path, json.loads((FIXTURES / "preferences_ada.json").read_text()))
    results = analyzed_for(read_topic, user_id, ADA_MATCHES)
    streaming = results["greenhouse:examplecorp:7001001"]
    assert streaming["decision"] == "PROCEED" and streaming["score"] >= 0.45
    assert {"Python", "Kafka", "PostgreSQL"} <= set(streaming["matched_skills"])
    assert any("5+ years" in reason for reason in streaming["reasons"])

    analyses = {m.key(): m.value() for m in read_topic(
        "job.analysis", lambda ms: {"greenhouse:examplecorp:7001001", "greenhouse:examplecorp:7001004"}
        <= {m.key() for m in ms}, timeout_s=60)}
    requirements = analyses["greenhouse:examplecorp:7001001"]["requirements"]
    assert requirements["experience"]["years_min"] == 5
    assert requirements["salary"] == {"minimum": 75000, "maximum": 95000, "currency": "EUR"}
    assert requirements["remote"] == "Hybrid"
    # The posting's injected instruction is data: it produced no field of its own.
    hostile = analyses["greenhouse:examplecorp:7001004"]["requirements"]
    assert "perfect match" not in json.dumps(hostile)


def test_the_same_job_on_two_boards_is_one_canonical_job_and_one_application(
    analysis_worker: Worker, read_topic: Reader, board_server: tuple[str, Path], tmp_path: Path
) -> None:
    _, folder = board_server
    original = json.loads((folder / "greenhouse" / "examplecorp.json").read_text())
    by_id = {job["id"]: job for job in original["jobs"]}
    streaming, frontend = by_id[7001001], by_id[7001002]
    elsewhere = json.loads(json.dumps(frontend))  # the Berlin frontend role, opened in Munich too
    elsewhere.update(id=8002001, absolute_url="https://careers.example.org/jobs/8002001",
                     location={"name": "Munich, Germany"})
    again = json.loads(json.dumps(streaming))
    again.update(id=8002002, absolute_url="https://careers.example.org/jobs/8002002")
    (folder / "greenhouse" / "examplecorp-careers.json").write_text(json.dumps({"jobs": [again, elsewhere]}))

    prefs = json.loads((FIXTURES / "preferences_ada.json").read_text())
    search = prefs["saved_searches"][0]
    search["boards"] = [{"source": "GREENHOUSE", "token": "examplecorp"},
                        {"source": "GREENHOUSE", "token": "examplecorp-careers"}]
    search["locations"] = []
    user_id = register(tmp_path, prefs)
    jobs = {"greenhouse:examplecorp:7001001", "greenhouse:examplecorp-careers:8002002"}
    results = analyzed_for(read_topic, user_id, jobs)

    decisions = sorted(results[job]["decision"] for job in jobs)
    assert decisions == ["PROCEED", "SKIP"], results  # never two applications for one job
    analyses = {m.key(): m.value() for m in read_topic(
        "job.analysis", lambda ms: {*jobs, "greenhouse:examplecorp-careers:8002001", "greenhouse:examplecorp:7001002"}
        <= {m.key() for m in ms},
        timeout_s=60)}
    # Whichever was analyzed first is the canonical job; the other points at it.
    first, second = "greenhouse:examplecorp:7001001", "greenhouse:examplecorp-careers:8002002"
    pointers = {analyses[first]["duplicate_of"], analyses[second]["duplicate_of"]}
    assert pointers in ({None, first}, {None, second}), [analyses[j]["dedup_evidence"] for j in jobs]
    munich, berlin = "greenhouse:examplecorp-careers:8002001", "greenhouse:examplecorp:7001002"
    assert analyses[munich]["duplicate_of"] is None and analyses[berlin]["duplicate_of"] is None
    assert berlin in analyses[munich]["same_role_as"] or munich in analyses[berlin]["same_role_as"]


def test_the_worker_serves_the_ai_gateway_metrics(analysis_worker: Worker, read_topic: Reader) -> None:
    read_topic("job.analysis", lambda ms: bool(ms), timeout_s=60)  # the gateway is built with the first analysis
    port = analysis_worker.env["RESUMEFLOW_METRICS_PORT"]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        metrics = response.read().decode()
    assert "# TYPE resumeflow_ai_cache_total counter" in metrics
    assert "# TYPE resumeflow_ai_calls_total counter" in metrics
