"""`resumeflow replay` on the real stack: the whole pipeline runs for an AUTO user until an application went out
by mail (the local SMTP server keeps every mail), then every processor is replayed from the beginning — refused
while the workers run, a dry run first, then the real rewind, the workers restarted, `--follow` until the groups
caught up — and the read model in PostgreSQL (the sink runs throughout) is exactly as before, and no mail was
sent twice. The user's cell as `--user` computes it is where their record really landed.
"""

from __future__ import annotations

import asyncio
import email
import email.utils
import os
import re
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from email.policy import default
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from adapters.mail_server import MailServer
from adapters.maildir import messages
from cli.processors import PROCESSORS
from processors.submission.ledger import table_name as ledger_table
from sinks.postgres import VIEWS
from streams.admin import admin_client, group_lag
from streams.ids import user_id_for_email
from streams.local_ports import free_local_port
from streams.settings import Settings
from tests.integration.conftest import REPO_ROOT, Worker, pipeline_env, run_cli

pytestmark = pytest.mark.integration
SETTLE_TIMEOUT_S = 300.0
Reader = Callable[..., list[Any]]


def snapshot(settings: Settings, users: list[str]) -> dict[str, list[tuple[str, ...]]]:
    """This deployment's part of the read model and its own tables (the posting index, the ledger), as text, sorted:
    every row of the views that name one of `users`, the postings they saw (by what a posting is, not by status and
    time, which any deployment's sink moves: the postings table is shared), and every row of the deployment's
    namespaced tables. Not the whole database: `make test` runs other test files at the same time on it."""

    async def query() -> dict[str, list[tuple[str, ...]]]:
        connection = await asyncpg.connect(settings.database_url)
        try:
            found = {}
            for table in sorted({v.table for v in VIEWS} - {"view_jobs"}):
                rows = await connection.fetch(f"SELECT * FROM {table} WHERE user_id = ANY($1::text[])", users)
                found[table] = sorted(tuple(str(v) for v in row.values()) for row in rows)
            rows = await connection.fetch(
                "SELECT canonical_job_id, title, company, url, apply_url, locations FROM view_jobs WHERE "
                "canonical_job_id IN (SELECT canonical_job_id FROM view_discoveries WHERE user_id = ANY($1::text[]))",
                users)
            found["view_jobs"] = sorted(tuple(str(v) for v in row.values()) for row in rows)
            for table in (settings.vector_table, f"{settings.vector_table}_chunks",
                          ledger_table(settings.topic_prefix)):
                rows = await connection.fetch(f'SELECT * FROM "{table}"')
                found[table] = sorted(tuple(str(v) for v in row.values()) for row in rows)
            return found
        finally:
            await connection.close()

    return asyncio.run(query())


def mails(maildir: Path) -> Counter[tuple[str, str]]:
    """(applicant, employer mailbox) -> mails received there (the applicants' own BCC copies are not counted)."""
    counts: Counter[tuple[str, str]] = Counter()
    for box in maildir.iterdir() if maildir.exists() else ():
        for raw in messages(maildir, box.name):
            sender = email.utils.parseaddr(str(email.message_from_bytes(raw, policy=default)["From"]))[1]
            if sender != box.name:
                counts[(sender, box.name)] += 1
    return counts


def lags(settings: Settings) -> dict[str, int]:
    """Records not yet committed by each processor's group and by the sink's."""
    admin = admin_client(settings)
    found = {name: group_lag(admin, f"{settings.app_id}-{name}", [t.name for t in p.input_topics(settings)])
             for name, p in PROCESSORS.items()}
    found["sink"] = group_lag(admin, f"{settings.app_id}-views",
                              sorted({v.topic.for_settings(settings).name for v in VIEWS}))
    return found


def settled(settings: Settings, users: list[str], quiet_s: float = 8.0) -> dict[str, list[tuple[str, ...]]]:
    """The read model once every group caught up and nothing changed for `quiet_s` (timers may still tick)."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    previous = None
    while time.monotonic() < deadline:
        behind = {name: lag for name, lag in lags(settings).items() if lag}
        now = snapshot(settings, users)
        if not behind and now == previous:
            return now
        previous = now
        time.sleep(quiet_s)
    pytest.fail(f"the pipeline did not settle in {SETTLE_TIMEOUT_S}s: behind {behind}")


def test_replaying_every_processor_from_the_beginning_changes_no_view_and_sends_no_mail_twice(
        stack: Settings, test_app_id: str, board_server: tuple[str, Path], read_topic: Reader,
        tmp_path: Path) -> None:
    base, _ = board_server
    app_id = f"{test_app_id}-replay"
    maildir, smtp_port = tmp_path / "mail", free_local_port()
    env = pipeline_env(app_id, base, smtp_port, tmp_path, partitions=3, worker_id="replay")
    settings = stack.model_copy(update={"app_id": app_id, "topic_prefix": f"{app_id}.", "cell_partitions": 3})
    run_cli("topics", "apply", env=env)
    mail = MailServer(maildir, port=smtp_port).start()
    sink_log = (tmp_path / "sink.log").open("wb")
    sink = subprocess.Popen([sys.executable, "-m", "cli.main", "sink"], cwd=REPO_ROOT, stdout=sink_log,
                            stderr=subprocess.STDOUT, env={**os.environ, **env})
    log = tmp_path / "worker.log"
    worker = Worker(["all"], env, log).start()
    address = f"replay-{uuid.uuid4().hex[:8]}@example.net"
    follower: subprocess.Popen[str] | None = None
    try:
        run_cli("user", "create", "--email", address, "--profile", str(REPO_ROOT / "demo" / "sam.profile.json"),
                "--prefs", str(REPO_ROOT / "demo" / "sam.prefs.json"), env=env)
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        while not any(sender == address for sender, _ in mails(maildir)):
            assert time.monotonic() < deadline, log.read_text(errors="replace")[-4000:]
            time.sleep(2)

        # The user's cell, as --user computes it, is where the user's command really landed.
        user_id = user_id_for_email(address)
        [command] = [r for r in read_topic("user.commands", lambda rs: any(r.key() == user_id for r in rs),
                                           prefix=f"{app_id}.") if r.key() == user_id]
        told = run_cli("replay", "profiles", "--user", address, "--from", "earliest", "--dry-run", env=env).stdout
        assert f"{address} is in cell {command.partition()}\n" in told, told

        before = settled(settings, [user_id])
        sent = mails(maildir)
        assert before["view_applications"] and sent and all(n == 1 for n in sent.values()), sent

        # While the workers run, the groups cannot move: the command says which workers to stop.
        refused = run_cli("replay", "all", "--from", "earliest", env=env, check=False)
        assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr
        assert "still running" in refused.stderr and f"{app_id}-submission-replay.pid" in refused.stderr
        worker.stop()

        dry = run_cli("replay", "all", "--from", "earliest", "--dry-run", env=env).stdout
        would = int(re.search(r"^(\d+) records would be processed again", dry, re.M).group(1))  # type: ignore[union-attr]
        assert would > 0, dry
        rewound = run_cli("replay", "all", "--from", "earliest", env=env).stdout
        assert f"{would} records will be processed again" in rewound, rewound
        # Watching from before the workers start: the bar moves as they catch up.
        follower = subprocess.Popen([sys.executable, "-m", "cli.main", "replay", "all", "--follow"], cwd=REPO_ROOT,
                                    env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True)
        worker = Worker(["all"], env, log).start()
        followed, bar = follower.communicate(timeout=SETTLE_TIMEOUT_S)
        assert follower.returncode == 0 and "caught up: " in followed, followed + bar
        after = settled(settings, [user_id])
        time.sleep(3)  # a late second mail would arrive now
        print(told, dry, rewound, followed, bar.replace("\r", "\n").strip().splitlines()[-1], sep="\n")
    finally:
        if follower is not None and follower.poll() is None:
            follower.terminate()
            follower.wait(timeout=10)
        worker.stop()
        sink.terminate()
        sink.wait(timeout=60)
        mail.stop()
    print(f"replayed {would} records over every processor; {sum(sent.values())} mails before, "
          f"{sum(mails(maildir).values())} after; {sum(len(rows) for rows in before.values())} view rows compared")
    changed = {table: (before.get(table), after.get(table)) for table in set(before) | set(after)
               if before.get(table) != after.get(table)}
    assert not changed, changed
    assert mails(maildir) == sent
