"""Shared test helpers: the fixtures directory and the project's fictional sample profile."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def tiny_tagger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved minilm-full skill tagger trained once per session on sentences it learns by heart
    (`tests/support/skill_tagger.py`); read it, do not change it."""
    from tests.support.skill_tagger import train_tiny_tagger

    return train_tiny_tagger(tmp_path_factory.mktemp("tagger"))


@pytest.fixture(scope="session")
def tiny_student(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved convolutional skill student that knows the tiny tagger's sentences by heart
    (`tests/support/skill_tagger.py`); read it, do not change it."""
    from tests.support.skill_tagger import train_tiny_student

    return train_tiny_student(tmp_path_factory.mktemp("student"))


@pytest.fixture
def profile_json() -> str:
    return (FIXTURES / "profile_ada.json").read_text()


@pytest.fixture
def preferences_json() -> str:
    return (FIXTURES / "preferences_ada.json").read_text()


# Property tests run 200 examples each; `HYPOTHESIS_PROFILE=thorough pytest ...` runs 5000. No deadline: a
# step that tailors and verifies a resume takes longer than hypothesis's 200 ms default on a busy machine.
settings.register_profile("default", max_examples=200, deadline=None)
settings.register_profile("thorough", max_examples=5000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist, each worker draws local server ports (`streams.local_ports`) from its own slice of the
    range: two workers could otherwise pick the same free port and both bind it, the second failing ("address
    already in use" starting a test's SMTP server, seen once in `make test`)."""
    worker, count = os.environ.get("PYTEST_XDIST_WORKER", ""), os.environ.get("PYTEST_XDIST_WORKER_COUNT", "")
    if worker.startswith("gw") and worker[2:].isdigit() and count.isdigit() and int(count) > 1:
        from streams import local_ports

        size = (local_ports.HIGH - local_ports.LOW + 1) // int(count)
        local_ports.LOW = local_ports.LOW + size * int(worker[2:])
        local_ports.HIGH = local_ports.LOW + size - 1


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist, tests marked `serial` are skipped, visibly: schemathesis's per-operation items share
    one node id, and pytest-xdist runs only one of them and reports nothing of the others (a synthetic schema
    with a failing operation passed). `make test` runs them in a second, serial pytest run."""
    if not hasattr(config, "workerinput"):  # pytest-xdist's worker processes have it
        return
    skip = pytest.mark.skip(reason="marked serial: not under pytest-xdist; `pytest -m serial` runs it")
    for item in items:
        if item.get_closest_marker("serial"):
            item.add_marker(skip)
