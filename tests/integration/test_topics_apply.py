"""``topics apply`` on the real broker: idempotent, fixes configs, reports drift."""

from __future__ import annotations

from confluent_kafka.admin import (
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    NewTopic,
)

from orderloom.kafka.topics import apply, load_spec
from orderloom.settings import OrderloomSettings


def _cluster(admin: AdminClient, prefix: str) -> dict[str, tuple[int, str]]:
    topics = {n: t for n, t in admin.list_topics(timeout=10).topics.items() if n.startswith(prefix)}
    resources = [ConfigResource(ConfigResource.Type.TOPIC, n) for n in topics]
    configs = {r.name: f.result() for r, f in admin.describe_configs(resources).items()}
    return {n: (len(t.partitions), configs[n]["retention.ms"].value) for n, t in topics.items()}


def test_apply_twice_gives_the_same_cluster(
    settings: OrderloomSettings, admin: AdminClient
) -> None:
    prefix = settings.kafka.topic_prefix
    specs = load_spec(prefix=prefix)
    try:
        first = apply(admin, specs)
        after_first = _cluster(admin, prefix)
        second = apply(admin, specs)

        assert sorted(first.created) == sorted(s.name for s in specs)
        assert second.created == [] and second.reconfigured == [] and second.drift == []
        assert sorted(second.unchanged) == sorted(s.name for s in specs)
        assert _cluster(admin, prefix) == after_first
        assert after_first[prefix + "order.events"] == (12, "-1")
        assert after_first[prefix + "order.events.dlq"][0] == 1
    finally:
        for future in admin.delete_topics([s.name for s in specs]).values():
            future.result()


def test_drift_is_reported_and_configs_are_fixed(
    settings: OrderloomSettings, admin: AdminClient
) -> None:
    prefix = settings.kafka.topic_prefix
    specs = [
        s for s in load_spec(prefix=prefix) if s.name.endswith(("vendor.requests", "kernel.ping"))
    ]
    requests, ping = (f"{prefix}vendor.requests", f"{prefix}kernel.ping")
    for future in admin.create_topics([NewTopic(requests, 2, 1)]).values():
        future.result()
    try:
        apply(admin, specs)
        change = ConfigResource(
            ConfigResource.Type.TOPIC,
            ping,
            incremental_configs=[
                ConfigEntry("retention.ms", "1000", incremental_operation=AlterConfigOpType.SET)
            ],
        )
        for future in admin.incremental_alter_configs([change]).values():
            future.result()

        report = apply(admin, specs)

        assert report.drift == [
            f"{requests}: 2 partitions, spec says 4 (not changed: it would "
            "move keys between partitions)"
        ]
        assert ping in report.reconfigured
        assert _cluster(admin, prefix)[ping] == (1, "86400000")
        assert _cluster(admin, prefix)[requests][0] == 2
    finally:
        for future in admin.delete_topics([s.name for s in specs]).values():
            future.result()
