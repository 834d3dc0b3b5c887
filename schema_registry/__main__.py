"""Command line entry point: ``python -m schema_registry --bootstrap-servers HOST:PORT``.

Run exactly one instance per topic: the registry is a single writer (like a Karapace primary) and does not
follow records written by anyone else after its start-up replay.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Sequence

from aiohttp import web

from schema_registry.app import create_app
from schema_registry.compatibility import CompatibilityLevel
from schema_registry.registry import SchemaRegistry
from schema_registry.settings import RegistrySettings
from schema_registry.store import KafkaSchemaLog

logger = logging.getLogger("schema_registry")


def parse_args(argv: Sequence[str] | None = None) -> RegistrySettings:
    parser = argparse.ArgumentParser(prog="python -m schema_registry", description=__doc__)
    parser.add_argument(
        "--bootstrap-servers",
        default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092"),
        help="Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP_SERVERS or 127.0.0.1:19092)",
    )
    parser.add_argument("--topic", default="_schemas", help="compacted topic holding the schemas")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--replication-factor", type=int, default=1, help="used only when creating the topic")
    parser.add_argument(
        "--default-compatibility",
        default=CompatibilityLevel.BACKWARD.value,
        choices=[level.value for level in CompatibilityLevel],
        help="global level until one is PUT on /config",
    )
    parser.add_argument("--kafka-timeout", type=float, default=30.0, help="seconds to wait on Kafka")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    return RegistrySettings(
        bootstrap_servers=args.bootstrap_servers,
        topic=args.topic,
        host=args.host,
        port=args.port,
        replication_factor=args.replication_factor,
        default_compatibility=CompatibilityLevel(args.default_compatibility),
        kafka_timeout_s=args.kafka_timeout,
    )


def build_app(settings: RegistrySettings) -> web.Application:
    log = KafkaSchemaLog(
        settings.bootstrap_servers,
        settings.topic,
        replication_factor=settings.replication_factor,
        timeout_s=settings.kafka_timeout_s,
    )
    registry = SchemaRegistry(log, settings.default_compatibility)
    app = create_app(registry)

    async def start(_app: web.Application) -> None:
        # on_startup runs before the socket is bound, so no request is served from a half-built index.
        await registry.start()
        logger.info("serving %s on http://%s:%d", settings.topic, settings.host, settings.port)

    async def stop(_app: web.Application) -> None:
        await registry.close()

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
    return app


def main(argv: Sequence[str] | None = None) -> None:
    settings = parse_args(argv)
    web.run_app(build_app(settings), host=settings.host, port=settings.port, print=None)


if __name__ == "__main__":
    main()
