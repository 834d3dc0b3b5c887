"""A cell's state lives in its changelog: a worker with an empty disk takes over and continues the user."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from processors.profiles.step import user_id_for_email
from streams.settings import Settings
from tests.conftest import FIXTURES
from tests.integration.conftest import Worker, run_cli

pytestmark = pytest.mark.integration


def test_a_new_worker_restores_cells_from_the_changelog(
    stack: Settings, read_topic: Any, tmp_path: Path, test_app_id: str
) -> None:
    env = {"RESUMEFLOW_APP_ID": f"{test_app_id}-failover"}
    run_cli("topics", "apply", env=env)  # this app id's own changelog
    email = f"failover-{tmp_path.name}@example.org"
    user_id = user_id_for_email(email)

    first = Worker(["profiles"], {**env, "RESUMEFLOW_WORKER_ID": "first"}, tmp_path / "first.log").start()
    run_cli("user", "create", "--email", email, "--profile", str(FIXTURES / "profile_ada.json"))
    read_topic("user.profiles", lambda ms: any(m.key() == user_id for m in ms))
    assert first.stop() == 0
    # The first worker's machine is gone, disk and all.
    shutil.rmtree(stack.home / "workers" / f"{env['RESUMEFLOW_APP_ID']}-profiles" / "first")

    second = Worker(["profiles"], {**env, "RESUMEFLOW_WORKER_ID": "second"}, tmp_path / "second.log").start()
    try:
        run_cli("user", "update", "--email", email, "--prefs", str(FIXTURES / "preferences_ada.json"))

        def version_2(ms: list[Any]) -> bool:
            return any(m.key() == user_id and m.value()["profile_version"] == 2 for m in ms)

        # Version 2 (not a refusal "no such user") proves the second worker found the user's cell.
        assert version_2(read_topic("user.profiles", version_2))
    finally:
        second.stop()
