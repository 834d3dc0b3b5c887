"""The Kubernetes manifests in deploy/k8s follow the code: the topic catalog, the processor registry, the settings.

The generated files must equal what `python -m deploy.generate` prints; the schema validation itself (kustomize,
kubeconform, Strimzi's CRD schemas) runs when deploy/install-k8s-tools.sh has installed the validators.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from cli.processors import PROCESSORS
from deploy import generate
from streams.settings import Settings
from streams.topics import catalog

ROOT = Path(__file__).resolve().parents[3]
K8S = ROOT / "deploy" / "k8s"
TOOLS = Path(os.environ.get("RESUMEFLOW_K8S_TOOLS")
             or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "resumeflow" / "k8s-tools")
# Environment names our processes read that are not settings fields: litellm's provider keys and the SMTP login
# (processors/submission/channels/email.py reads those two from the environment directly).
EXTERNAL_NAMES = {"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "RESUMEFLOW_SMTP_USERNAME", "RESUMEFLOW_SMTP_PASSWORD"}


def documents(name: str) -> list[dict]:
    return [d for d in yaml.safe_load_all((K8S / "base" / name).read_text()) if d]


def setting_names() -> set[str]:
    return {f.validation_alias for f in Settings.model_fields.values() if isinstance(f.validation_alias, str)}


def test_the_generated_manifests_are_what_the_generator_prints() -> None:
    for name, content in generate.files().items():
        path = generate.OUT / name
        assert path.read_text(encoding="utf-8") == content, f"{path} is stale: run `python -m deploy.generate`"
    assert generate.main(["--check"]) == 0


def test_every_catalog_topic_is_a_kafka_topic_with_three_replicas_and_two_in_sync() -> None:
    settings = generate.settings()
    topics = {d["spec"]["topicName"]: d for d in documents("generated/topics.yaml")}
    expected = catalog(settings)
    assert set(topics) == {spec.name for spec in expected}
    # Faust's changelogs and the internal tick topics are in the catalog, hence here.
    assert "resumeflow-profile-cells-changelog" in topics and "user.commands.dlq" in topics
    for spec in expected:
        topic = topics[spec.name]
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == "resumeflow"
        assert topic["spec"]["partitions"] == spec.partitions(settings) == generate.CELL_PARTITIONS
        assert topic["spec"]["replicas"] == 3
        assert topic["spec"]["config"] == {**spec.config(), "min.insync.replicas": "2"}


def test_one_worker_deployment_and_one_lag_scaler_per_processor() -> None:
    settings = generate.settings()
    docs = documents("generated/processors.yaml")
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    scalers = {d["metadata"]["name"]: d for d in docs if d["kind"] == "ScaledObject"}
    assert set(deployments) == set(scalers) == {f"worker-{name}" for name in PROCESSORS}
    for name, processor in PROCESSORS.items():
        container = deployments[f"worker-{name}"]["spec"]["template"]["spec"]["containers"][0]
        assert container["image"] == "resumeflow" and container["args"] == ["worker", name]
        scaler = scalers[f"worker-{name}"]["spec"]
        assert scaler["scaleTargetRef"]["name"] == f"worker-{name}"
        inputs = processor.input_topics(settings)
        partitions = min(t.partitions(settings) for t in inputs)
        assert 1 <= scaler["minReplicaCount"] <= scaler["maxReplicaCount"] <= partitions
        assert {t["metadata"]["topic"] for t in scaler["triggers"]} == {t.name for t in inputs}
        for trigger in scaler["triggers"]:
            assert trigger["type"] == "kafka"
            assert trigger["metadata"]["consumerGroup"] == f"resumeflow-{name}"  # streams/faust_wiring.create_app
            assert trigger["metadata"]["bootstrapServers"] == "resumeflow-kafka-bootstrap.resumeflow.svc:9092"
            assert int(trigger["metadata"]["lagThreshold"]) > 0


def test_the_kafka_cluster_has_three_kraft_nodes_and_two_in_sync_replicas() -> None:
    docs = {d["kind"]: d for d in documents("kafka.yaml")}
    pool, kafka = docs["KafkaNodePool"], docs["Kafka"]
    assert pool["spec"]["replicas"] == 3 and set(pool["spec"]["roles"]) == {"controller", "broker"}
    assert pool["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"] == generate.CLUSTER
    config = kafka["spec"]["kafka"]["config"]
    assert config["default.replication.factor"] == 3 and config["min.insync.replicas"] == 2
    assert config["auto.create.topics.enable"] is False
    assert "zookeeper" not in kafka["spec"]


def test_the_api_has_probes_on_its_health_route_and_a_service() -> None:
    docs = documents("generated/services.yaml")
    api = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "api")
    container = api["spec"]["template"]["spec"]["containers"][0]
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": "http"}  # query_api/app.py's route
    service = next(d for d in docs if d["kind"] == "Service" and d["metadata"]["name"] == "api")
    assert service["spec"]["selector"] == api["spec"]["selector"]["matchLabels"]
    assert {"sink", "schema-registry"} <= {d["metadata"]["name"] for d in docs if d["kind"] == "Deployment"}


def test_config_and_secrets_use_the_settings_names_and_secrets_come_only_from_the_secret() -> None:
    config = dict(line.split("=", 1) for line in (K8S / "base" / "config.env").read_text().splitlines()
                  if line.strip() and not line.startswith("#"))
    known = setting_names() | EXTERNAL_NAMES
    assert set(config) <= known, set(config) - known
    assert config["RESUMEFLOW_CELL_PARTITIONS"] == str(generate.CELL_PARTITIONS)
    assert config["KAFKA_BOOTSTRAP_SERVERS"] == generate.BOOTSTRAP
    secret_fields = {f.validation_alias for f in Settings.model_fields.values() if f.repr is False}
    assert not secret_fields & set(config), "a secret in the ConfigMap"
    workloads = [d for name in ("generated/processors.yaml", "generated/services.yaml") for d in documents(name)
                 if d["kind"] == "Deployment"]
    for workload in workloads:
        for container in workload["spec"]["template"]["spec"]["containers"]:
            for env in container.get("env", []):
                assert env["name"] in known, env["name"]
                assert env["valueFrom"]["secretKeyRef"]["name"] == "resumeflow-secrets"
                assert "value" not in env
    secret_names = {env["name"] for w in workloads for c in w["spec"]["template"]["spec"]["containers"]
                    for env in c.get("env", [])}
    assert secret_fields | {"DATABASE_URL", "REDIS_URL"} <= secret_names


def test_the_overlays_use_the_dockerfile_image_and_compose_runs_every_processor() -> None:
    for overlay in ("local", "production"):
        kustomization = yaml.safe_load((K8S / "overlays" / overlay / "kustomization.yaml").read_text())
        assert kustomization["resources"][0] == "../../base"
        assert [image["name"] for image in kustomization["images"]] == ["resumeflow"]
    compose = yaml.safe_load((ROOT / "kafka-compose.yml").read_text())["services"]
    ours = {name: s for name, s in compose.items() if s.get("build", {}).get("dockerfile") == "deploy/Dockerfile"}
    assert {"worker", "sink", "api", "schema-registry", "topics"} <= set(ours)
    worker = ours["worker"]["command"]
    assert worker[0] == "worker" and (worker[1:] == ["all"] or set(worker[1:]) == set(PROCESSORS))
    known = setting_names() | EXTERNAL_NAMES
    assert set(ours["worker"]["environment"]) <= known, set(ours["worker"]["environment"]) - known
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert re.search(r'^ENTRYPOINT \["resumeflow"\]', dockerfile, re.M)  # the manifests' `args` are subcommands


def _validators_installed() -> bool:
    return any(TOOLS.glob(".installed-*"))


def _check(*overlays: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ROOT / "deploy" / "check-k8s.sh"), *map(str, overlays)], capture_output=True, text=True,
                          timeout=300)


@pytest.mark.skipif(not _validators_installed(),
                    reason=f"the manifest validators are not installed in {TOOLS}: run deploy/install-k8s-tools.sh "
                           "(or `make check-deploy`)")
def test_the_overlays_pass_kubeconform_and_the_strimzi_schemas() -> None:
    result = _check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Invalid: 0, Errors: 0" in result.stdout and "strimzi: 70 valid, 0 invalid" in result.stdout


@pytest.mark.skipif(not _validators_installed(),
                    reason=f"the manifest validators are not installed in {TOOLS}: run deploy/install-k8s-tools.sh")
def test_the_validators_reject_a_broken_manifest(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text(yaml.safe_dump({
        "resources": [os.path.relpath(K8S / "base", tmp_path)],  # kustomize refuses absolute
        "patches": [
            {"target": {"kind": "Deployment", "name": "api"},
             "patch": "- op: add\n  path: /spec/template/spec/containers/0/readinessProbes\n  value: {}\n"},
            {"target": {"kind": "ScaledObject", "name": "worker-profiles"},
             "patch": "- op: replace\n  path: /spec/minReplicaCount\n  value: one\n"},
            {"target": {"kind": "KafkaTopic", "name": "user.commands"},
             "patch": "- op: replace\n  path: /spec/partitions\n  value: twelve\n"},
        ],
    }))
    result = _check(tmp_path)
    assert result.returncode != 0
    assert "Deployment api is invalid" in result.stdout, result.stdout
    assert "'readinessProbes' not allowed" in result.stdout, result.stdout
    assert "KafkaTopic user.commands is invalid: data/spec/partitions must be integer" in result.stdout, result.stdout
    assert "ScaledObject worker-profiles is invalid" in result.stdout, result.stdout
    assert "Invalid: 2, Errors: 0" in result.stdout and "strimzi: 69 valid, 1 invalid" in result.stdout
