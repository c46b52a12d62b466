"""A single combined broker+controller Apache Kafka node in KRaft mode, from Maven Central jars."""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from orderloom.settings import PROJECT_ROOT, StackSettings
from orderloom.stack.process import (
    StackError,
    alive,
    log_tail,
    port_open,
    read_pid,
    spawn,
    terminate,
)


def kafka_files() -> Path:
    """The pom.xml and log4j2.properties: in the checkout, or packaged inside the wheel."""
    checkout = PROJECT_ROOT / "stack" / "kafka"
    return checkout if checkout.exists() else Path(__file__).parent / "kafka_files"


@dataclass(frozen=True)
class KafkaNode:
    """Where one local node keeps its jars, configuration, data, log and pid."""

    settings: StackSettings

    @property
    def root(self) -> Path:
        return self.settings.home / "kafka"

    @property
    def libs(self) -> Path:
        return self.root / "libs"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def config(self) -> Path:
        return self.root / "server.properties"

    @property
    def log(self) -> Path:
        return self.root / "kafka.log"

    @property
    def pid_file(self) -> Path:
        return self.root / "kafka.pid"

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.settings.kafka_port}"

    def pid(self) -> int | None:
        return read_pid(self.pid_file)

    def install(self) -> None:
        """Resolve the broker jars with Maven once (again only when the pom changes)."""
        pom = kafka_files() / "pom.xml"
        digest = hashlib.sha256(pom.read_bytes()).hexdigest()
        marker = self.libs / ".pom.sha256"
        if marker.exists() and marker.read_text() == digest:
            return
        if shutil.which("mvn") is None:
            raise StackError("Maven (mvn) is not installed: run `make setup` to install it")
        self.libs.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [
                "mvn",
                "-q",
                "-B",
                "-f",
                str(pom),
                "dependency:copy-dependencies",
                f"-DoutputDirectory={self.libs}",
                "-DincludeScope=runtime",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise StackError(f"resolving the Kafka jars failed:\n{result.stdout}{result.stderr}")
        marker.write_text(digest)

    def _java(self, *args: str) -> list[str]:
        java = shutil.which("java")
        if java is None:
            raise StackError("Java 17+ is not installed: run `make setup` to install it")
        log4j = kafka_files() / "log4j2.properties"
        return [
            java,
            f"-Xmx{self.settings.kafka_heap}",
            f"-Dlog4j2.configurationFile={log4j}",
            "-cp",
            f"{self.libs}/*",
            *args,
        ]

    def _write_config(self) -> None:
        s = self.settings
        self.config.write_text(
            SERVER_PROPERTIES.format(
                port=s.kafka_port, controller_port=s.kafka_controller_port, data=self.data
            )
        )

    def _format_once(self) -> None:
        if (self.data / "meta.properties").exists():
            return
        self.data.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            self._java(
                "kafka.tools.StorageTool",
                "format",
                "-t",
                _cluster_id(),
                "-c",
                str(self.config),
                "--standalone",
            ),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise StackError(
                f"formatting Kafka storage failed:\n{result.stdout[-2000:]}{result.stderr}"
            )

    def start(self) -> str:
        """Start the node unless it runs already; return what happened."""
        if (pid := self.pid()) is not None:
            return f"kafka already running (pid {pid}) at {self.bootstrap}"
        for port in (self.settings.kafka_port, self.settings.kafka_controller_port):
            if port_open(port):
                raise StackError(
                    f"port {port} is in use by another process; stop it or set "
                    "ORDERLOOM_STACK__KAFKA_PORT / ORDERLOOM_STACK__KAFKA_CONTROLLER_PORT"
                )
        self.install()
        self.root.mkdir(parents=True, exist_ok=True)
        self._write_config()
        self._format_once()
        pid = spawn(
            self._java("kafka.Kafka", str(self.config)),
            log_file=self.log,
            pid_file=self.pid_file,
            cwd=self.root,
        )
        self._wait_ready(pid)
        return f"kafka started (pid {pid}) at {self.bootstrap}"

    def _wait_ready(self, pid: int) -> None:
        from confluent_kafka.admin import AdminClient

        deadline = time.monotonic() + self.settings.start_timeout_s
        admin = AdminClient({"bootstrap.servers": self.bootstrap, "log_level": 0})
        while time.monotonic() < deadline:
            if not alive(pid):
                self.pid_file.unlink(missing_ok=True)
                raise StackError(
                    f"kafka exited during start-up; last log lines:\n{log_tail(self.log)}"
                )
            if port_open(self.settings.kafka_port):
                try:
                    if admin.list_topics(timeout=2).brokers:
                        return
                except Exception:  # any answer but metadata means: not ready yet
                    pass
            time.sleep(0.3)
        raise StackError(
            f"kafka did not answer within {self.settings.start_timeout_s:.0f}s; "
            f"last log lines:\n{log_tail(self.log)}"
        )

    def stop(self) -> str:
        """Controlled shutdown (SIGTERM), SIGKILL only if it hangs."""
        pid = self.pid()
        if pid is None:
            return "kafka not running"
        terminate(pid, timeout_s=60)
        self.pid_file.unlink(missing_ok=True)
        return f"kafka stopped (pid {pid})"


def _cluster_id() -> str:
    """A Kafka cluster id: 16 random bytes, URL-safe base64, never starting with '-'."""
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cid.startswith("-"):
            return cid


SERVER_PROPERTIES = """\
process.roles=broker,controller
node.id=1
listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}
advertised.listeners=PLAINTEXT://127.0.0.1:{port}
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.quorum.bootstrap.servers=127.0.0.1:{controller_port}
log.dirs={data}
auto.create.topics.enable=false
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
"""
