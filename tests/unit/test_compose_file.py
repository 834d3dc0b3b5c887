"""`kafka-compose.yml` checked two ways: against the Compose Specification's JSON schema everywhere (fast, no Docker),
and by `docker compose config` where Compose v2 is installed (`deploy/install-compose.sh` builds it; CI does not, as
the build takes 3-4 minutes of its 2 cores).

`deploy/compose-spec.json` is `schema/compose-spec.json` of github.com/compose-spec/compose-go/v2 v2.9.1 (Apache
2.0), the loader Compose v2.40.3 validates with, taken from the Go module proxy.
"""

import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]


def _compose_v2_available() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0


def _compose() -> dict[str, Any]:
    return yaml.safe_load((REPO_ROOT / "kafka-compose.yml").read_text())


def _problems(compose: dict[str, Any]) -> list[str]:
    """What the schema refuses, and what it cannot see: `depends_on` naming no service, or waiting for the health of
    a service without a healthcheck (Compose refuses both at `up`)."""
    schema = json.loads((REPO_ROOT / "deploy" / "compose-spec.json").read_text())
    found = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
             for e in jsonschema.Draft7Validator(schema).iter_errors(compose)]
    services = compose.get("services", {})
    for name, service in services.items():
        needs = service.get("depends_on") or {}
        for target, how in (needs.items() if isinstance(needs, dict) else ((t, {}) for t in needs)):
            if target not in services:
                found.append(f"services/{name}/depends_on: no service {target!r}")
            elif how.get("condition") == "service_healthy" and "healthcheck" not in services[target]:
                found.append(f"services/{name}/depends_on: {target!r} has no healthcheck to wait for")
    return found


def test_compose_file_matches_the_compose_specification() -> None:
    assert _problems(_compose()) == []


def test_the_schema_check_refuses_a_broken_compose_file() -> None:
    broken = copy.deepcopy(_compose())
    broken["services"]["worker"]["restrat"] = "always"  # a misspelt key
    broken["services"]["api"]["ports"] = "8080:8080"  # a string where a list belongs
    broken["services"]["sink"]["depends_on"]["postgress"] = {"condition": "service_healthy"}
    problems = "\n".join(_problems(broken))
    assert "services/worker: 'restrat' does not match" in problems, problems
    assert "services/api/ports" in problems, problems
    assert "no service 'postgress'" in problems, problems


def test_compose_file_passes_docker_compose_config() -> None:
    if not _compose_v2_available():
        pytest.skip("Docker Compose v2 is not installed: deploy/install-compose.sh builds it")
    result = subprocess.run([str(REPO_ROOT / "deploy" / "check-compose.sh")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
