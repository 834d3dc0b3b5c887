"""A worker loads what its processor reads for every record (a model, fonts) before it joins its consumer group:
the failover drill saw a surviving analysis worker spend ~60 s loading MiniLM inside a batch while its group
waited to rebalance. Structural checks, no timings."""

from __future__ import annotations

from typing import Any, cast

import pytest

import streams.kafka_clients
from adapters.ai_gateway import AiGateway
from adapters.embeddings import MiniLmEmbedder
from adapters.vector_store import VectorStore
from cli.processors import PROCESSORS
from cli.worker import run_in_process
from processors.analysis.ports import AnalysisPorts
from streams.processor import ProcessorSpec
from streams.settings import Settings


class Joined(Exception):
    """Raised where the worker first reaches for Kafka (the schema registry's client, then the app)."""


def test_the_worker_warms_up_before_it_builds_anything_that_talks_to_kafka(monkeypatch: pytest.MonkeyPatch
                                                                           ) -> None:
    steps: list[str] = []

    def reach_kafka(*args: Any, **kwargs: Any) -> Any:
        steps.append("kafka")
        raise Joined

    monkeypatch.setattr(streams.kafka_clients, "registry_client", reach_kafka)
    spec = ProcessorSpec(name="warm-test", doc="", agents=(), warm_up=lambda settings: steps.append("warm"))
    with pytest.raises(Joined):
        run_in_process(Settings(), spec, "warning")
    assert steps == ["warm", "kafka"]


def test_the_processors_with_a_heavy_first_load_declare_a_warm_up() -> None:
    assert PROCESSORS["analysis"].warm_up is not None  # MiniLM, the vocabulary and the span model
    assert PROCESSORS["generation"].warm_up is not None  # the fonts and their coverage, the skill matcher


def test_after_analysis_warms_up_its_ports_have_the_model_before_the_first_record() -> None:
    """The ports open on the first record (so a worker starts while PostgreSQL is down); the embedder they get
    finds the model warm_up loaded, so that record does not load it."""
    warm_up = PROCESSORS["analysis"].warm_up
    assert warm_up is not None
    warm_up(Settings())
    ports = AnalysisPorts(MiniLmEmbedder(), cast(VectorStore, None), cast(AiGateway, None))  # as open_ports does
    assert ports.model_loaded
    assert MiniLmEmbedder(window_words=160).loaded  # the AI gateway's semantic cache shares the same copy
