"""End-to-end throughput of the profiles processor on the real stack: N registrations published, time until
N profiles are out, measured from the broker's timestamps (first command in -> last profile out).

Usage: python -m bench.profiles_throughput [--users N]   (starts its own worker; needs `make stack`)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import uuid
from importlib import resources

from confluent_kafka import Consumer, TopicPartition

from streams.ids import user_id_for_email
from streams.kafka_clients import RecordPublisher, Serdes, registry_client
from streams.messages import UserCommand, UserCommandKind, new_event_id, utc_now
from streams.settings import load_settings
from streams.topics import USER_COMMANDS, USER_PROFILES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=2000)
    args = parser.parse_args()
    settings = load_settings()
    app_id = f"bench-{uuid.uuid4().hex[:8]}"  # a fresh group and changelog: nothing to replay
    env = {**os.environ, "RESUMEFLOW_APP_ID": app_id, "RESUMEFLOW_WORKER_ID": "bench"}
    subprocess.run([sys.executable, "-m", "cli.main", "topics", "apply"], env=env, check=True,
                   capture_output=True)

    # Start from the end of user.profiles so only this run's output is counted.
    consumer = Consumer({"bootstrap.servers": settings.kafka_bootstrap_servers, "group.id": app_id,
                         "enable.auto.commit": False})
    partitions = consumer.list_topics(USER_PROFILES.name).topics[USER_PROFILES.name].partitions
    ends = [TopicPartition(USER_PROFILES.name, p, consumer.get_watermark_offsets(
        TopicPartition(USER_PROFILES.name, p))[1]) for p in partitions]
    consumer.assign(ends)

    serdes = Serdes(registry_client(settings))
    profile_json = (resources.files("demo") / "ada.profile.json").read_text()
    run = uuid.uuid4().hex[:8]
    expected = set()
    publisher = RecordPublisher(settings, serdes)
    first_in = utc_now()
    for i in range(args.users):
        email = f"bench-{run}-{i}@example.org"
        user_id = user_id_for_email(email)
        expected.add(user_id)
        publisher.publish(USER_COMMANDS, user_id, UserCommand(
            event_id=new_event_id(), user_id=user_id, occurred_at=utc_now(), kind=UserCommandKind.REGISTER_USER,
            email=email, profile_json=profile_json))
    publisher.flush()
    published_s = (utc_now() - first_in).total_seconds()

    worker_log = settings.home / "bench-worker.log"
    with worker_log.open("wb") as log:
        worker = subprocess.Popen([sys.executable, "-m", "cli.main", "worker", "profiles", "--loglevel",
                                   "warning"], env=env, stdout=log, stderr=subprocess.STDOUT)
    started = time.monotonic()
    key_serde = serdes.key(USER_PROFILES)
    assert key_serde is not None
    seen: set[str] = set()
    first_out = last_out = None
    try:
        while seen != expected and time.monotonic() - started < 600:
            message = consumer.poll(0.5)
            if message is None or message.error():
                continue
            if key_serde.decode(message.key()) in expected:
                seen.add(key_serde.decode(message.key()))
                stamp = message.timestamp()[1] / 1000
                first_out = first_out or stamp
                last_out = stamp
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        consumer.close()
    if seen != expected or first_out is None or last_out is None:
        print(f"only {len(seen)}/{len(expected)} profiles came out within 600 s; see {worker_log}")
        sys.exit(1)
    processing_s = last_out - first_out
    print(f"users: {args.users}, published in {published_s:.2f} s ({args.users / published_s:,.0f} commands/s)")
    print(f"worker start to last profile: {time.monotonic() - started:.1f} s (includes Faust start-up)")
    print(f"processing (first profile out -> last profile out): {processing_s:.2f} s, "
          f"{args.users / max(processing_s, 1e-6):,.0f} commands/s through validate + cell table + publish")


if __name__ == "__main__":
    main()
