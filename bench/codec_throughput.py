"""How fast the shared codec encodes and decodes a real-sized record (a UserProfile with a full resume).

Usage: python -m bench.codec_throughput [--records N]   (needs the schema registry: `resumeflow stack up`)
"""

from __future__ import annotations

import argparse
import time
from importlib import resources

from streams.kafka_clients import Serdes, registry_client
from streams.messages import Preferences, UserProfile, new_event_id, utc_now
from streams.settings import load_settings
from streams.topics import USER_PROFILES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=20_000)
    args = parser.parse_args()

    serde = Serdes(registry_client(load_settings())).value(USER_PROFILES)
    profile_json = (resources.files("demo") / "ada.profile.json").read_text()
    prefs = Preferences.model_validate_json((resources.files("demo") / "ada.prefs.json").read_text())
    record = UserProfile(event_id=new_event_id(), user_id="u", occurred_at=utc_now(), email="a@example.org",
                         profile_version=1, profile_json=profile_json, preferences=prefs)
    serde.bind()

    started = time.perf_counter()
    encoded = [serde.encode(record) for _ in range(args.records)]
    encode_s = time.perf_counter() - started
    started = time.perf_counter()
    for data in encoded:
        UserProfile.model_validate(serde.decode(data))
    decode_s = time.perf_counter() - started

    size = len(encoded[0])
    print(f"record: UserProfile, {size} bytes on the wire")
    print(f"encode (model -> Confluent Avro):           {args.records / encode_s:>10,.0f} records/s")
    print(f"decode (Confluent Avro -> validated model): {args.records / decode_s:>10,.0f} records/s")


if __name__ == "__main__":
    main()
