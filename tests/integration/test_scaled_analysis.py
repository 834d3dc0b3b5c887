"""One consumer group per processor: analysis scaled to two more workers beside one worker running everything
processes each record once, and its cells are shared by all three."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from streams.admin import admin_client
from streams.ids import user_id_for_email
from streams.settings import Settings
from tests.conftest import FIXTURES
from tests.integration.conftest import Worker, run_cli

pytestmark = pytest.mark.integration
Reader = Callable[..., list[Any]]
ADA_MATCHES = {"greenhouse:examplecorp:7001001", "greenhouse:examplecorp:7001004", "lever:example:a1b2c3d4-0002"}
USERS = 4


def members(settings: Settings, group: str) -> dict[str, int]:
    """Member id -> how many partitions it owns, once the group is stable ({} while it rebalances)."""
    admin = admin_client(settings)  # kept referenced until the answer is in: a collected client never answers
    [future] = admin.describe_consumer_groups([group]).values()
    description = future.result(timeout=30)
    if description.state.name != "STABLE":
        return {}
    return {m.member_id: len(m.assignment.topic_partitions) for m in description.members}


@pytest.mark.drill  # about 140 s: `make test-failover` runs it
def test_analysis_on_three_workers_processes_each_record_once(
        stack: Settings, read_topic: Reader, test_app_id: str, discovery_env: dict[str, str],
        tmp_path: Path) -> None:
    # A deployment of its own (app id and topics): only its workers process what its users do.
    app_id, prefix = f"{test_app_id}-scale", f"{test_app_id}-scale."
    namespace = {"RESUMEFLOW_APP_ID": app_id, "RESUMEFLOW_TOPIC_PREFIX": prefix}
    run_cli("topics", "apply", env=namespace)
    env = {**discovery_env, **namespace}
    workers = [Worker(["all"], {**env, "RESUMEFLOW_WORKER_ID": "everything"}, tmp_path / "all.log").start()]
    try:
        workers += [Worker(["analysis"], {**env, "RESUMEFLOW_WORKER_ID": f"analysis-{n}"},
                           tmp_path / f"analysis-{n}.log").start() for n in (1, 2)]
        deadline = time.monotonic() + 120
        while len(owners := members(stack, f"{app_id}-analysis")) != 3 or not all(owners.values()):
            assert time.monotonic() < deadline, f"analysis group never settled on 3 members: {owners}"
            time.sleep(1)
        # Every other processor has one member: the worker running everything.
        assert len(members(stack, f"{app_id}-discovery")) == 1 and len(members(stack, f"{app_id}-profiles")) == 1

        users = []
        for _ in range(USERS):
            email = f"scale-{uuid.uuid4().hex[:10]}@example.org"
            run_cli("user", "create", "--email", email, "--profile", str(FIXTURES / "profile_ada.json"),
                    "--prefs", str(FIXTURES / "preferences_ada.json"), env=namespace)
            users.append(user_id_for_email(email))

        def decided(ms: list[Any]) -> bool:
            return all({m.value()["canonical_job_id"] for m in ms if m.key() == u} >= ADA_MATCHES for u in users)

        analyzed = [m for m in read_topic("job.analyzed", decided, timeout_s=240, prefix=prefix) if m.key() in users]
        assert decided(analyzed), "not every user's postings were decided"
        # Each decision once: a record processed by two members of the group would be here twice.
        counts = Counter(m.value()["event_id"] for m in analyzed)
        assert set(counts.values()) == {1}, [e for e, n in counts.items() if n > 1]
        requests = [m for m in read_topic("analysis.requests", lambda ms: False, timeout_s=10, prefix=prefix)
                    if m.value()["user_id"] in users]
        assert requests and set(Counter(m.value()["event_id"] for m in requests).values()) == {1}
        # Each posting analyzed once (the namespace is new: every analysis in it was made by this group).
        analyses = read_topic("job.analysis", lambda ms: False, timeout_s=10, prefix=prefix)
        assert analyses and set(Counter(m.value()["event_id"] for m in analyses).values()) == {1}
        # The cells stayed shared: the group is still the three workers, each owning a share.
        owners = members(stack, f"{app_id}-analysis")
        assert len(owners) == 3 and all(owners.values()), owners
    finally:
        for worker in reversed(workers):
            worker.stop()
