"""A real PostgreSQL primary with a synchronous streaming replica, on spare loopback
ports, made for one test and removed after it: what production runs, small."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_postgres(*command: str) -> subprocess.CompletedProcess[str]:
    # initdb and the server refuse to run as root.
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run(
        [*prefix, *command], capture_output=True, text=True, check=True, timeout=120
    )


@dataclass
class Node:
    data: Path
    port: int
    log: Path

    def start(self) -> None:
        _as_postgres(
            str(BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {self.port}",
            "start",
        )

    def crash(self) -> None:
        """Stop at once, as a power cut would: no checkpoint, clients cut."""
        _as_postgres(str(BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def stop(self) -> None:
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(BIN / "pg_ctl"),
                "-D",
                str(self.data),
                "-m",
                "fast",
                "-w",
                "stop",
            ],
            capture_output=True,
            check=False,
            timeout=60,
        )

    def promote(self) -> None:
        _as_postgres(str(BIN / "pg_ctl"), "-D", str(self.data), "-w", "promote")


@dataclass
class Cluster:
    primary: Node
    replica: Node
    database: str

    def url(self) -> str:
        """The servers' URL: both hosts, and only ever the one that accepts writes."""
        return (
            f"postgresql+asyncpg://postgres@/{self.database}?host=127.0.0.1:"
            f"{self.primary.port}&host=127.0.0.1:{self.replica.port}"
            "&target_session_attrs=primary"
        )

    def url_of(self, node: Node) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{node.port}/{self.database}"


def _init_primary(root: Path) -> Node:
    primary = Node(root / "primary", _free_port(), root / "primary.log")
    _as_postgres(
        str(BIN / "initdb"), "-D", str(primary.data), "-U", "postgres", "--auth=trust", "--no-sync"
    )
    with (primary.data / "postgresql.conf").open("a") as conf:
        conf.write(
            "\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{root}'\n"
            "wal_level = replica\nmax_wal_senders = 4\n"
            "fsync = off\nmax_connections = 60\n"
        )
    primary.start()
    return primary


@contextmanager
def _workspace() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="ecab-cluster-"))
    shutil.chown(root, "postgres", "postgres")
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def single_node(database: str = "ecab") -> Iterator[tuple[Node, str]]:
    """One PostgreSQL server of the test's own, which the test may stop and restart;
    yields it and the servers' URL."""
    with _workspace() as root:
        node = _init_primary(root)
        try:
            _psql(node, f'CREATE DATABASE "{database}"')
            yield node, f"postgresql+asyncpg://postgres@127.0.0.1:{node.port}/{database}"
        finally:
            node.stop()


@contextmanager
def replicated_cluster(database: str = "ecab") -> Iterator[Cluster]:
    with _workspace() as root:
        primary = _init_primary(root)
        replica = Node(root / "replica", _free_port(), root / "replica.log")
        try:
            _psql(primary, f'CREATE DATABASE "{database}"')
            _as_postgres(
                str(BIN / "pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(primary.port),
                "-U",
                "postgres",
                "-D",
                str(replica.data),
                "-R",
                "-X",
                "stream",
            )
            replica.start()
            # From now on a commit is acknowledged only once the replica has it: promoting
            # the replica cannot lose an acknowledged ballot. (Set only now, and only on
            # the primary: a primary waiting for a standby that does not exist blocks
            # every commit.)
            _psql(primary, "ALTER SYSTEM SET synchronous_standby_names = '*'")
            _psql(primary, "SELECT pg_reload_conf()")
            _wait_for_sync_standby(primary)
            yield Cluster(primary, replica, database)
        finally:
            replica.stop()
            primary.stop()


def _wait_for_sync_standby(primary: Node) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        state = _psql(primary, "SELECT sync_state FROM pg_stat_replication")
        if state == "sync":
            return
        time.sleep(0.1)
    raise AssertionError("the replica never became a synchronous standby")


def _psql(node: Node, sql: str) -> str:
    return _as_postgres(
        str(BIN / "psql"), "-h", "127.0.0.1", "-p", str(node.port), "-U", "postgres", "-Atc", sql
    ).stdout.strip()
