"""Topics as code: one declarative spec, applied idempotently, drift reported.

``apply`` creates missing topics and sets configs that differ (both are safe), and
reports what it must not change by itself: partition counts (more partitions move keys
to other partitions and break per-order ordering) and replication factors.
"""

from __future__ import annotations

import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import (
    AdminClient,
    AlterConfigOpType,
    ClusterMetadata,
    ConfigEntry,
    ConfigResource,
    NewTopic,
)

from orderloom.errors import RetryableError
from orderloom.settings import KafkaSettings

SPEC_FILE = Path(__file__).resolve().parent.parent / "topics.toml"
DLQ_SUFFIX = ".dlq"


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    replication_factor: int
    cleanup_policy: str
    retention_ms: int
    min_insync_replicas: int
    max_message_bytes: int | None = None

    def configs(self, brokers: int) -> dict[str, str]:
        """Topic-level configs, with min.insync.replicas as high as the cluster allows."""
        min_isr = max(1, min(self.min_insync_replicas, self.replication(brokers) - 1))
        configs = {
            "cleanup.policy": self.cleanup_policy,
            "retention.ms": str(self.retention_ms),
            "min.insync.replicas": str(min_isr),
        }
        if self.max_message_bytes is not None:
            configs["max.message.bytes"] = str(self.max_message_bytes)
        return configs

    def replication(self, brokers: int) -> int:
        return max(1, min(self.replication_factor, brokers))


def topic_specs(kafka: KafkaSettings) -> list[TopicSpec]:
    """The topics as this deployment creates them: its prefix, its partition cap."""
    return load_spec(prefix=kafka.topic_prefix, max_partitions=kafka.max_partitions)


def load_spec(
    path: Path = SPEC_FILE, prefix: str = "", max_partitions: int | None = None
) -> list[TopicSpec]:
    """Every topic in the spec file, dead-letter companions included, names prefixed,
    partitions at most ``max_partitions``."""
    raw = tomllib.loads(path.read_text())
    defaults: dict[str, Any] = raw.get("defaults", {})
    specs: list[TopicSpec] = []
    for entry in raw.get("topic", []):
        merged = {**defaults, **entry}
        dead_letter = bool(merged.pop("dead_letter", False))
        if max_partitions is not None:
            merged["partitions"] = min(merged["partitions"], max_partitions)
        spec = TopicSpec(**{**merged, "name": prefix + merged["name"]})
        specs.append(spec)
        if dead_letter:
            specs.append(
                TopicSpec(
                    spec.name + DLQ_SUFFIX,
                    1,
                    spec.replication_factor,
                    "delete",
                    -1,
                    spec.min_insync_replicas,
                    spec.max_message_bytes,
                )
            )
    return specs


@dataclass
class ApplyReport:
    created: list[str] = field(default_factory=list)
    reconfigured: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    drift: list[str] = field(default_factory=list)


def apply(admin: AdminClient, specs: list[TopicSpec], timeout_s: float = 30.0) -> ApplyReport:
    """Bring the cluster to the spec where that is safe; report the rest as drift."""
    report = ApplyReport()
    try:
        metadata = admin.list_topics(timeout=timeout_s)
    except KafkaException as e:
        raise RetryableError(f"cannot read cluster metadata: {e}") from e
    brokers = len(metadata.brokers)
    missing = [s for s in specs if s.name not in metadata.topics]
    if missing:
        futures = admin.create_topics(
            [
                NewTopic(s.name, s.partitions, s.replication(brokers), config=s.configs(brokers))
                for s in missing
            ],
            operation_timeout=timeout_s,
        )
        raced = False
        for name, future in futures.items():
            try:
                future.result()
                report.created.append(name)
            except KafkaException as e:
                if e.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                    raise
                raced = True
        if raced:
            metadata = _settled_metadata(admin, specs, report.created, timeout_s)
    for spec in specs:
        if spec.name in report.created:
            continue
        topic = metadata.topics[spec.name]
        partitions = len(topic.partitions)
        if partitions != spec.partitions:
            report.drift.append(
                f"{spec.name}: {partitions} partitions, spec says {spec.partitions}"
                " (not changed: it would move keys between partitions)"
            )
        replicas = len(next(iter(topic.partitions.values())).replicas) if topic.partitions else 0
        if replicas != spec.replication(brokers):
            report.drift.append(
                f"{spec.name}: replication factor {replicas}, spec says "
                f"{spec.replication(brokers)} (reassign partitions to change it)"
            )
        if _reconcile_configs(admin, spec, brokers, timeout_s):
            report.reconfigured.append(spec.name)
        elif partitions == spec.partitions:
            report.unchanged.append(spec.name)
    return report


def _settled_metadata(
    admin: AdminClient, specs: list[TopicSpec], created: list[str], timeout_s: float
) -> ClusterMetadata:
    """Metadata once every topic that someone else just created is visible."""
    deadline = time.monotonic() + timeout_s
    while True:
        metadata = admin.list_topics(timeout=timeout_s)
        if all(s.name in metadata.topics for s in specs if s.name not in created):
            return metadata
        if time.monotonic() > deadline:
            raise RetryableError("topics created concurrently are not visible yet")
        time.sleep(0.2)


def _reconcile_configs(admin: AdminClient, spec: TopicSpec, brokers: int, timeout_s: float) -> bool:
    """Set the configs that differ from the spec; True when something changed."""
    resource = ConfigResource(ConfigResource.Type.TOPIC, spec.name)
    current = admin.describe_configs([resource])[resource].result(timeout=timeout_s)
    wanted = spec.configs(brokers)
    changes = [
        ConfigEntry(k, v, incremental_operation=AlterConfigOpType.SET)
        for k, v in wanted.items()
        if current[k].value != v
    ]
    if not changes:
        return False
    admin.incremental_alter_configs(
        [ConfigResource(ConfigResource.Type.TOPIC, spec.name, incremental_configs=changes)]
    )[resource].result(timeout=timeout_s)
    return True
