"""PgBouncer in transaction pooling on a spare loopback port, in front of a test's own
PostgreSQL: a handful of server connections shared by every client connection."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .cluster import Node, _free_port

BINARY = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


@contextmanager
def pgbouncer(node: Node, database: str, *, server_connections: int) -> Iterator[str]:
    """Yields the clients' URL: through PgBouncer, with SQLAlchemy's prepared statement
    cache off (what ECABINET_DATABASE_URL says in production)."""
    assert Path(BINARY).exists(), "install pgbouncer (Debian: apt-get install pgbouncer)"
    root = Path(tempfile.mkdtemp(prefix="ecab-pgbouncer-"))
    shutil.chown(root, "postgres", "postgres")
    port = _free_port()
    (root / "users.txt").write_text('"postgres" ""\n')
    (root / "pgbouncer.ini").write_text(f"""
[databases]
{database} = host=127.0.0.1 port={node.port} dbname={database} user=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {root / "users.txt"}
pool_mode = transaction
default_pool_size = {server_connections}
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = 500
server_reset_query = DISCARD ALL
server_reset_query_always = 1
logfile = {root / "pgbouncer.log"}
pidfile = {root / "pgbouncer.pid"}
""")
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    process = subprocess.Popen(
        [*prefix, BINARY, str(root / "pgbouncer.ini")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(port, root / "pgbouncer.log")
        yield (
            f"postgresql+asyncpg://postgres@127.0.0.1:{port}/{database}"
            "?prepared_statement_cache_size=0"
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(root, ignore_errors=True)


def _wait_for(port: int, log: Path) -> None:
    import socket

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"pgbouncer did not start: {log.read_text() if log.exists() else ''}")
