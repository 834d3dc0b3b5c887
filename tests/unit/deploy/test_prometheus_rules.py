"""The alerting rules and scrape configuration in deploy/prometheus name only metrics the processes export."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from faust.sensors.prometheus import FaustMetrics
from prometheus_client import CollectorRegistry

from streams import metrics

FOLDER = Path(__file__).resolve().parents[3] / "deploy" / "prometheus"
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def exported() -> set[str]:
    faust = CollectorRegistry()
    FaustMetrics.create(faust, "resumeflow_faust")
    names = set()
    for registry in (metrics.REGISTRY, faust):
        for family in registry.collect():
            names |= {family.name + suffix for suffix in SUFFIXES.get(family.type, ("",))}
    return names


def test_every_metric_an_alert_reads_is_exported() -> None:
    rules = [rule for group in yaml.safe_load((FOLDER / "alerts.yml").read_text())["groups"]
             for rule in group["rules"]]
    assert {rule["alert"] for rule in rules} >= {"ResumeflowDeadLetters", "ResumeflowRecordCrashes",
                                                  "ResumeflowConsumerLag"}
    names = exported()
    for rule in rules:
        used = set(re.findall(r"\bresumeflow_\w+", rule["expr"]))
        assert used and used <= names, (rule["alert"], used - names)


def test_the_scrape_configuration_loads_the_rules_and_the_dev_ports() -> None:
    config = yaml.safe_load((FOLDER / "prometheus.yml").read_text())
    assert config["rule_files"] == ["alerts.yml"]
    targets = {t for job in config["scrape_configs"] for sc in job["static_configs"] for t in sc["targets"]}
    assert {"127.0.0.1:9400", "127.0.0.1:9401", "127.0.0.1:9410"} <= targets
