"""deploy/grafana/resumeflow.json queries only metrics the processes export, and covers what operators watch."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.unit.deploy.test_prometheus_rules import exported

DASHBOARD = Path(__file__).resolve().parents[3] / "deploy" / "grafana" / "resumeflow.json"


def panels() -> list[dict]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [p for p in dashboard["panels"] if p["type"] != "row"]


def test_every_metric_a_panel_queries_is_exported() -> None:
    names = exported()
    dashboard = json.loads(DASHBOARD.read_text())
    queries = [t["expr"] for p in panels() for t in p["targets"]]
    queries += [v["definition"] for v in dashboard["templating"]["list"] if "definition" in v]
    assert queries
    for query in queries:
        used = set(re.findall(r"\bresumeflow_\w+", query))
        assert used and used <= names, (query, used - names)


def test_the_dashboard_shows_what_the_issue_asks_for() -> None:
    queried = {name for p in panels() for t in p["targets"] for name in re.findall(r"\bresumeflow_\w+", t["expr"])}
    assert {
        "resumeflow_records_processed_total", "resumeflow_records_out_total",  # records in/out per processor
        "resumeflow_record_delay_seconds_bucket",  # latency histograms
        "resumeflow_faust_topic_partition_end_offset", "resumeflow_faust_topic_partition_offset_commited",  # lag
        "resumeflow_dead_letters_total", "resumeflow_cells_owned", "resumeflow_application_updates_total",
        "resumeflow_api_request_seconds_bucket", "resumeflow_ai_calls_total", "resumeflow_ai_cost_usd_total",
        "resumeflow_ai_cache_total",
    } <= queried
    ids = [p["id"] for p in json.loads(DASHBOARD.read_text())["panels"]]
    assert len(ids) == len(set(ids))
    for panel in panels():
        assert panel["datasource"]["uid"] == "${datasource}" and panel["targets"], panel["title"]
