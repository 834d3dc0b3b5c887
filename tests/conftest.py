"""Shared test helpers: the fixtures directory and the project's fictional sample profile."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def profile_json() -> str:
    return (FIXTURES / "profile_ada.json").read_text()


@pytest.fixture
def preferences_json() -> str:
    return (FIXTURES / "preferences_ada.json").read_text()
