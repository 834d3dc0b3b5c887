"""Generation on the real stack: each posting a user goes ahead with becomes three verified, rendered variants."""

from __future__ import annotations

import hashlib
import json
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from processors.profiles.step import user_id_for_email
from tests.conftest import FIXTURES
from tests.integration.conftest import Worker, run_cli

pytestmark = pytest.mark.integration
Reader = Callable[..., list[Any]]


def test_a_job_going_ahead_gets_three_stored_variants_with_ats_and_provenance(
    generation_worker: Worker, read_topic: Reader
) -> None:
    email = f"generation-{uuid.uuid4().hex[:10]}@example.org"
    run_cli("user", "create", "--email", email, "--profile", str(FIXTURES / "profile_ada.json"),
            "--prefs", str(FIXTURES / "preferences_ada.json"))
    user_id = user_id_for_email(email)
    job = "greenhouse:examplecorp:7001001"

    def three(messages: list[Any]) -> bool:
        return len({m.value()["variant_id"] for m in messages
                    if m.key() == user_id and m.value()["canonical_job_id"] == job}) == 3

    variants = {m.value()["variant_id"]: m.value() for m in read_topic("resume.generated", three, timeout_s=180)
                if m.key() == user_id and m.value()["canonical_job_id"] == job}
    assert set(variants) == {"skills_first-v2", "experience_first-v2", "projects_first-v2"}
    assert {v["template"] for v in variants.values()} == {"classic", "compact"}
    for value in variants.values():
        path = Path(urlparse(value["artifact_uri"]).path)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == value["sha256"]
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert text.startswith("Ada Park") and "Tidewater Analytics" in text
        assert value["ats_score"] > 0.5 and "verbatim" in value["provenance_summary"]
        tailored = json.loads(Path(urlparse(value["resume_json_uri"]).path).read_text())
        assert tailored["variant_id"] == value["variant_id"]
        assert all(line["provenance"] for s in tailored["sections"] for e in s["entries"] for line in e["bullets"])
