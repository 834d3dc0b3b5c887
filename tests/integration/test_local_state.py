"""A worker's local tables that claim more than their changelog holds (a wiped or replaced cluster) are rebuilt
from the changelog, not a reason to crash (the drill's fault 7)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import rocksdict

from streams.faust_wiring import OFFSET_KEY
from streams.ids import user_id_for_email
from streams.settings import Settings
from tests.conftest import FIXTURES
from tests.integration.conftest import Worker, run_cli

pytestmark = pytest.mark.integration


def test_local_state_ahead_of_its_changelog_is_rebuilt_from_the_changelog(
        stack: Settings, read_topic: Any, test_app_id: str, tmp_path: Path) -> None:
    app_id, prefix = f"{test_app_id}-local", f"{test_app_id}-local."
    namespace = {"RESUMEFLOW_APP_ID": app_id, "RESUMEFLOW_TOPIC_PREFIX": prefix}
    run_cli("topics", "apply", env=namespace)
    env = {**namespace, "RESUMEFLOW_WORKER_ID": "local"}
    email = f"local-{tmp_path.name}@example.org"
    user_id = user_id_for_email(email)

    worker = Worker(["profiles"], env, tmp_path / "first.log").start()
    run_cli("user", "create", "--email", email, "--profile", str(FIXTURES / "profile_ada.json"), env=namespace)
    read_topic("user.profiles", lambda ms: any(m.key() == user_id for m in ms), prefix=prefix)
    assert worker.stop() == 0

    # The cluster is replaced under the worker: its local tables now claim changelog offsets that do not exist.
    tables = sorted((stack.home / "workers" / f"{app_id}-profiles" / "local").glob("**/profile-cells-*.db"))
    assert tables
    for path in tables:
        db = rocksdict.Rdict(str(path), options=rocksdict.Options(raw_mode=True))
        db[OFFSET_KEY] = b"1000000"
        db.close()

    worker = Worker(["profiles"], env, tmp_path / "second.log").start()  # before: ConsistencyError, exit 1
    try:
        assert "dropping it to rebuild from the changelog" in worker.log()
        run_cli("user", "update", "--email", email, "--prefs", str(FIXTURES / "preferences_ada.json"),
                env=namespace)

        def version_2(ms: list[Any]) -> bool:
            return any(m.key() == user_id and m.value()["profile_version"] == 2 for m in ms)

        # Version 2, not "no such user": the cell came back from the changelog.
        assert version_2(read_topic("user.profiles", version_2, prefix=prefix))
    finally:
        worker.stop()
