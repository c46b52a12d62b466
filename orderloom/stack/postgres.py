"""A PostgreSQL cluster of the project's own, from Debian's packages, under the stack's home.

PostgreSQL refuses to run as root, so when we are root its commands run as the
``postgres`` system user that Debian's package creates, which then owns the data folder.
"""

from __future__ import annotations

import os
import pwd
import subprocess
from dataclasses import dataclass
from pathlib import Path

from orderloom.settings import StackSettings
from orderloom.stack.process import StackError, alive, log_tail, port_open

DATABASE = "orderloom"
SUPERUSER = "orderloom"
SERVER_SETTINGS = {
    "max_connections": "200",
    "shared_buffers": "1GB",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "15min",
}
"""For a write-heavy system on one machine: the working set in PostgreSQL's own cache
(the default 128 MB has backends evicting pages themselves), and checkpoints by time, not
every gigabyte of WAL (each one makes the next writes log whole pages again). Durability is
untouched: every commit is still flushed."""


def find_bindir() -> Path:
    """The newest installed server's bin folder (Debian keeps them per major version)."""
    versions = sorted(
        (p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "postgres").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if not versions:
        raise StackError("PostgreSQL server binaries not found: run `make setup` to install them")
    return versions[-1]


@dataclass(frozen=True)
class PostgresCluster:
    """Where the cluster keeps its data, socket and log, and how to run its tools."""

    settings: StackSettings

    @property
    def root(self) -> Path:
        return self.settings.home / "postgres"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"

    @property
    def dsn(self) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.settings.postgres_port}/{DATABASE}"

    def pid(self) -> int | None:
        try:
            pid = int((self.data / "postmaster.pid").read_text().splitlines()[0])
        except (FileNotFoundError, ValueError, IndexError):
            return None
        return pid if alive(pid) else None

    def _run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        user = "postgres" if os.geteuid() == 0 else None
        return subprocess.run(
            list(argv), user=user, capture_output=True, text=True, check=False, cwd=self.root
        )

    def _prepare_root(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError as e:
                raise StackError(
                    "running as root needs the 'postgres' user: run `make setup`"
                ) from e
            for path in (self.root, *self.root.rglob("*")):
                os.chown(path, owner.pw_uid, owner.pw_gid)

    def start(self) -> str:
        """initdb on first start, then start the server and create the database."""
        if (pid := self.pid()) is not None:
            return f"postgres already running (pid {pid}) at {self.dsn}"
        port = self.settings.postgres_port
        if port_open(port):
            raise StackError(
                f"port {port} is in use by another process; stop it or set "
                "ORDERLOOM_STACK__POSTGRES_PORT"
            )
        bindir = find_bindir()
        self._prepare_root()
        if not (self.data / "PG_VERSION").exists():
            done = self._run(
                str(bindir / "initdb"),
                "-D",
                str(self.data),
                "-U",
                SUPERUSER,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-locale",
            )
            if done.returncode != 0:
                raise StackError(f"initdb failed:\n{done.stdout}{done.stderr}")
        options = f"-p {port} -k {self.root} -c listen_addresses=127.0.0.1 " + " ".join(
            f"-c {name}={value}" for name, value in SERVER_SETTINGS.items()
        )
        done = self._run(
            str(bindir / "pg_ctl"),
            "start",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "-t",
            str(int(self.settings.start_timeout_s)),
        )
        if done.returncode != 0:
            raise StackError(f"postgres did not start:\n{done.stderr}\n{log_tail(self.log)}")
        self._create_database()
        return f"postgres started (pid {self.pid()}) at {self.dsn}"

    def _create_database(self) -> None:
        import psycopg

        admin = self.dsn.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
            if exists.fetchone() is None:
                conn.execute(f'CREATE DATABASE "{DATABASE}"')

    def stop(self) -> str:
        pid = self.pid()
        if pid is None:
            return "postgres not running"
        done = self._run(
            str(find_bindir() / "pg_ctl"),
            "stop",
            "-D",
            str(self.data),
            "-m",
            "fast",
            "-w",
            "-t",
            "60",
        )
        if done.returncode != 0:
            raise StackError(f"postgres did not stop:\n{done.stderr}")
        return f"postgres stopped (pid {pid})"
