"""The cluster drill's pure parts: its ports, which broker it kills, how it reads replicas and stages."""

from __future__ import annotations

import pytest

from bench.chaos_cluster import busiest_leader, cluster_ports, quorum_leader, replica_summary, stage_table
from streams.admin import PartitionReplicas


def test_the_scratch_cluster_has_nine_ports_of_its_own_below_the_ephemeral_range() -> None:
    ports = cluster_ports(19092)
    assert ports == {"RESUMEFLOW_KAFKA_PORT": 19512, "RESUMEFLOW_REGISTRY_PORT": 19518,
                     "RESUMEFLOW_POSTGRES_PORT": 19519, "RESUMEFLOW_REDIS_PORT": 19520}
    # Clear of the wipe drill's scratch stack (Kafka port + 500 and the next four).
    assert not set(range(19512, 19521)) & set(range(19592, 19597))


def test_the_busiest_leader_is_killed_the_lowest_id_on_a_tie() -> None:
    assert busiest_leader([1, 2, 2, 3, -1]) == (2, 2)
    assert busiest_leader([3, 1, 3, 1]) == (1, 2)
    with pytest.raises(ValueError, match="no partition has a leader"):
        busiest_leader([-1, -1])


def test_replica_summary_counts_leaderless_and_under_replicated_partitions() -> None:
    rows = [PartitionReplicas("t", 0, 1, (1, 2, 3), (1, 2, 3)), PartitionReplicas("t", 1, 2, (2, 3, 1), (2, 3)),
            PartitionReplicas("t", 2, -1, (3, 1), ())]
    assert replica_summary(rows) == {"partitions": 3, "leaderless": 1, "under_replicated": 2,
                                     "replication_below": 1}


def test_stage_table_sets_each_stage_output_against_its_input() -> None:
    stages = {"profiles": {"expected": 5, "got": 5}, "analysis": {"expected": 18, "got": 17, "proceed": 9},
              "submission": {"expected": 9, "got": 9, "submitted": 9}}
    rows = stage_table(stages, {"job.analyzed": 2, "application.submitted": 0}, duplicated=1)
    assert rows == [
        {"stage": "profiles", "produced": 5, "processed": 5, "lost": 0, "redone": 0, "duplicated": 0},
        {"stage": "analysis", "produced": 18, "processed": 17, "lost": 1, "redone": 2, "duplicated": 0},
        {"stage": "submission", "produced": 9, "processed": 9, "lost": 0, "redone": 0, "duplicated": 1},
    ]


class _Node:
    def __init__(self, node: int, leader: int | None, running: bool = True) -> None:
        self.node, self._leader, self._running = node, leader, running

    def running(self) -> bool:
        return self._running

    def quorum_leader(self) -> int | None:
        return self._leader


def test_the_active_controller_is_what_the_running_nodes_agree_on() -> None:
    assert quorum_leader([_Node(1, 2), _Node(2, 2), _Node(3, None)]) == 2
    # After node 2 died only the survivors' view counts; a dead node's file is not read.
    assert quorum_leader([_Node(1, 3), _Node(2, 2, running=False), _Node(3, 3)], but=2) == 3
    assert quorum_leader([_Node(1, None), _Node(3, None)]) is None
