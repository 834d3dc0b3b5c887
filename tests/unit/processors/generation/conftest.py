from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from streams.messages import JobRequirements, RequiredSkill

ROOT = Path(__file__).resolve().parents[4]
TODAY = date(2025, 6, 1)


def load(path: str) -> dict[str, Any]:
    return json.loads((ROOT / path).read_text(encoding="utf-8"))


@pytest.fixture
def ada() -> dict[str, Any]:
    return load("tests/fixtures/profile_ada.json")


@pytest.fixture
def sam() -> dict[str, Any]:
    return load("demo/sam.profile.json")


@pytest.fixture
def api_job() -> JobRequirements:
    """A job about REST APIs on PostgreSQL: Ada's older highlight is the relevant one."""
    return JobRequirements(title="Senior API Engineer", company="Harborline", skills=[
        RequiredSkill(name="REST APIs"), RequiredSkill(name="PostgreSQL", keywords=["Postgres"]),
        RequiredSkill(name="Python"), RequiredSkill(name="Kubernetes", required=False),
    ])
