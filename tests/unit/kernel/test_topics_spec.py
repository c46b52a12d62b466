"""The topic spec file: every topic declared once, dead letters derived, limits clamped."""

from __future__ import annotations

from orderloom.kafka.topics import load_spec, topic_specs
from orderloom.settings import LOCAL_MAX_PARTITIONS, KafkaSettings, OrderloomSettings


def test_spec_declares_each_topic_once_with_dead_letter_companions() -> None:
    specs = {s.name: s for s in load_spec(prefix="p.")}
    assert len(specs) == len(load_spec())
    assert specs["p.order.events"].partitions == 12
    assert specs["p.order.events.dlq"].partitions == 1
    assert "p.workflow.snapshots.dlq" not in specs
    history, history_dlq = specs["p.workflow.history"], specs["p.workflow.history.dlq"]
    assert history_dlq.max_message_bytes == history.max_message_bytes == 16 * 1024 * 1024
    assert specs["p.workflow.snapshots"].cleanup_policy == "compact"
    assert specs["p.vendor.requests"].partitions == 4


def test_replication_and_min_insync_follow_the_cluster_size() -> None:
    spec = next(s for s in load_spec() if s.name == "order.events")
    assert spec.replication(1) == 1 and spec.configs(1)["min.insync.replicas"] == "1"
    assert spec.replication(5) == 3 and spec.configs(5)["min.insync.replicas"] == "2"
    assert spec.configs(1)["retention.ms"] == "-1"


def test_a_partition_cap_lowers_only_the_topics_above_it() -> None:
    specs = {s.name: s.partitions for s in load_spec(max_partitions=3)}
    assert specs["order.events"] == 3 and specs["vendor.requests"] == 3
    assert specs["order.events.dlq"] == 1 and specs["kernel.ping"] == 1
    assert specs.keys() == {s.name for s in load_spec()}


def test_the_local_stack_caps_partitions_and_a_named_broker_does_not() -> None:
    local = OrderloomSettings(kafka=KafkaSettings(topic_prefix="t."))
    remote = OrderloomSettings(kafka=KafkaSettings(bootstrap_servers="broker:9092"))
    chosen = OrderloomSettings(kafka=KafkaSettings(max_partitions=6))
    assert local.kafka.max_partitions == LOCAL_MAX_PARTITIONS
    assert {s.partitions for s in topic_specs(local.kafka)} == {1, LOCAL_MAX_PARTITIONS}
    assert all(s.name.startswith("t.") for s in topic_specs(local.kafka))
    assert remote.kafka.max_partitions is None
    assert topic_specs(remote.kafka) == load_spec()
    assert chosen.kafka.max_partitions == 6
