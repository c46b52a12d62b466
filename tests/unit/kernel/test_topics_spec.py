"""The topic spec file: every topic declared once, dead letters derived, limits clamped."""

from __future__ import annotations

from orderloom.kafka.topics import load_spec


def test_spec_declares_each_topic_once_with_dead_letter_companions() -> None:
    specs = {s.name: s for s in load_spec(prefix="p.")}
    assert len(specs) == len(load_spec())
    assert specs["p.order.events"].partitions == 12
    assert specs["p.order.events.dlq"].partitions == 1
    assert "p.workflow.history.dlq" not in specs
    assert specs["p.workflow.snapshots"].cleanup_policy == "compact"
    assert specs["p.vendor.requests"].partitions == 4


def test_replication_and_min_insync_follow_the_cluster_size() -> None:
    spec = next(s for s in load_spec() if s.name == "order.events")
    assert spec.replication(1) == 1 and spec.configs(1)["min.insync.replicas"] == "1"
    assert spec.replication(5) == 3 and spec.configs(5)["min.insync.replicas"] == "2"
    assert spec.configs(1)["retention.ms"] == "-1"
