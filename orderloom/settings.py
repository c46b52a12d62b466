"""Typed settings read from the environment (prefix ``ORDERLOOM_``, nested with ``__``).

Each service builds its own settings class from these parts, e.g.
``ORDERLOOM_KAFKA__BOOTSTRAP_SERVERS=broker:9092``. Nothing is read at import time.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOCAL_MAX_PARTITIONS = 3
"""librdkafka fetches without sessions, so each fetch names every partition it reads and the
broker walks them all, and each transaction marks every partition it wrote: on two cores the
local broker spent ~1.1 ms of CPU per order with 12 partitions a topic, 0.5-0.9 with 3
(docs/benchmarks.md)."""


class KafkaSettings(BaseModel):
    """Where the broker is and how this deployment names its topics."""

    bootstrap_servers: str = Field(
        default="",
        description="Broker list; empty means the local stack's broker.",
    )
    topic_prefix: str = Field(
        default="",
        description="Prepended to every topic name; tests use it to stay apart.",
    )
    schema_registry_url: str | None = Field(
        default=None,
        description="Confluent-compatible schema registry; without it schemas are compiled in.",
    )
    replication_factor: int = Field(default=1, ge=1)
    min_insync_replicas: int = Field(default=1, ge=1)
    max_partitions: int | None = Field(
        default=None,
        ge=1,
        description=(
            "Caps every topic's partition count. topics.toml sizes topics for scaling out "
            f"(up to 12 instances of a consumer); unset means {LOCAL_MAX_PARTITIONS} on the "
            "local stack, whose one broker serves one instance of each consumer, and no cap "
            "elsewhere."
        ),
    )


class PostgresSettings(BaseModel):
    """How to reach PostgreSQL."""

    dsn: str = Field(default="", description="libpq URI; empty means the local stack's database.")


class StackSettings(BaseModel):
    """The no-Docker local stack that ``orderloom up`` runs."""

    home: Path = PROJECT_ROOT / ".local"
    kafka_port: int = 19092
    kafka_controller_port: int = 19093
    kafka_heap: str = "768m"
    postgres_port: int = 15432
    start_timeout_s: float = 90.0


class HealthSettings(BaseModel):
    """The health server of a service with no web server of its own (``orderloom.health``)."""

    port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="Serves GET /healthz and /readyz on this port; unset means no server.",
    )
    host: str = Field(default="127.0.0.1", description="Address to bind (0.0.0.0 in a pod).")
    stale_after_s: float = Field(
        default=60.0,
        gt=0,
        description="Not alive when the service's main loop has not turned for this long.",
    )


class OrderloomSettings(BaseSettings):
    """The settings every process shares; services extend this class."""

    model_config = SettingsConfigDict(
        env_prefix="ORDERLOOM_",
        env_nested_delimiter="__",
        extra="ignore",
    )

    service_name: str = "orderloom"
    log_level: str = "INFO"
    log_json: bool = True
    kafka: KafkaSettings = KafkaSettings()
    postgres: PostgresSettings = PostgresSettings()
    stack: StackSettings = StackSettings()
    health: HealthSettings = HealthSettings()

    @model_validator(mode="after")
    def _point_at_local_stack(self) -> OrderloomSettings:
        """Unset addresses mean the local stack, at the ports it is configured with."""
        if not self.kafka.bootstrap_servers:
            self.kafka.bootstrap_servers = f"127.0.0.1:{self.stack.kafka_port}"
            if self.kafka.max_partitions is None:
                self.kafka.max_partitions = LOCAL_MAX_PARTITIONS
        if not self.postgres.dsn:
            self.postgres.dsn = (
                f"postgresql://orderloom@127.0.0.1:{self.stack.postgres_port}/orderloom"
            )
        return self
