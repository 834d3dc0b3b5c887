"""The catalog's promises: user topics keyed by user_id with one partition count, a DLQ for every source."""

import pytest

from streams import topics
from streams.settings import Settings
from streams.topics import SOURCE_TOPICS, Scope, catalog

SETTINGS = Settings(_env_file=None, RESUMEFLOW_CELL_PARTITIONS=7)  # type: ignore[call-arg]


def test_topic_names_are_unique() -> None:
    names = [t.name for t in catalog(SETTINGS)]
    assert len(names) == len(set(names))


def test_every_user_topic_is_keyed_by_user_id_with_the_cell_count() -> None:
    user_topics = [t for t in catalog(SETTINGS) if t.scope is Scope.USER]
    assert {t.key_schema for t in user_topics} == {"user_id"}
    assert {t.partitions(SETTINGS) for t in user_topics} == {7}


def test_seed_events_and_their_inputs_are_topics() -> None:
    names = {t.name for t in catalog(SETTINGS)}
    assert {"job.discovered", "job.analyzed", "resume.generated", "application.submitted", "response.received",
            "workflow.completed", "user.commands", "user.profiles", "job.catalog"} <= names


def test_every_source_topic_has_a_dead_letter_topic_that_keeps_raw_keys() -> None:
    by_name = {t.name: t for t in catalog(SETTINGS)}
    for source in SOURCE_TOPICS:
        dlq = by_name[f"{source.name}.dlq"]
        assert dlq.scope is Scope.DEAD_LETTER and dlq.key_schema is None and dlq.value_schema == "dead_letter"


def test_state_topics_are_compacted_and_event_topics_are_not() -> None:
    by_name = {t.name: t for t in catalog(SETTINGS)}
    assert by_name["user.profiles"].config()["cleanup.policy"] == "compact"
    assert by_name["job.catalog"].config()["cleanup.policy"] == "compact"
    assert by_name["resumeflow-profile-cells-changelog"].config()["cleanup.policy"] == "compact"
    assert by_name["job.discovered"].config() == {"cleanup.policy": "delete", "retention.ms": "-1"}


@pytest.mark.parametrize("prefix", ["", "team-a."])
def test_a_topic_is_found_by_its_own_name_with_or_without_the_prefix(prefix: str) -> None:
    # With no prefix every name once matched the first topic of the catalog (`topics tail job.discovered` printed
    # user.commands).
    settings = Settings(_env_file=None, RESUMEFLOW_TOPIC_PREFIX=prefix)  # type: ignore[call-arg]
    for spec in catalog(settings):
        assert topics.by_name(settings, spec.name) == spec
        if prefix and not spec.name.startswith(prefix):
            continue
        assert topics.by_name(settings, spec.name.removeprefix(prefix)) == spec
    with pytest.raises(KeyError):
        topics.by_name(settings, "no.such.topic")
