"""``up``, ``down`` and ``status`` over the local stack's two servers."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.settings import StackSettings
from orderloom.stack.kafka import KafkaNode
from orderloom.stack.postgres import PostgresCluster


@dataclass(frozen=True)
class ServerStatus:
    name: str
    running: bool
    pid: int | None
    address: str


@dataclass(frozen=True)
class LocalStack:
    settings: StackSettings

    @property
    def kafka(self) -> KafkaNode:
        return KafkaNode(self.settings)

    @property
    def postgres(self) -> PostgresCluster:
        return PostgresCluster(self.settings)

    def up(self) -> list[str]:
        """Start whatever is not running; a second ``up`` changes nothing."""
        self.settings.home.mkdir(parents=True, exist_ok=True)
        return [self.postgres.start(), self.kafka.start()]

    def down(self) -> list[str]:
        return [self.kafka.stop(), self.postgres.stop()]

    def status(self) -> list[ServerStatus]:
        kafka_pid, pg_pid = self.kafka.pid(), self.postgres.pid()
        return [
            ServerStatus("kafka", kafka_pid is not None, kafka_pid, self.kafka.bootstrap),
            ServerStatus("postgres", pg_pid is not None, pg_pid, self.postgres.dsn),
        ]
