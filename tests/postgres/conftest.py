"""Two server processes on one PostgreSQL database (the kit is tests/support/processes.py;
its names are imported here too, for the tests that import them from this module)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ecabinet.settings import Settings

from ..support.processes import PROJECT, Follower, Process, eventually, free_port

__all__ = ["PROJECT", "Follower", "Process", "eventually", "free_port", "processes"]


@pytest.fixture
def processes(database_url: str, settings: Settings, tmp_path: Path) -> Iterator[list[Process]]:
    """Two server processes; the public origin is the one the browsers use (nginx's)."""
    environment = {
        **os.environ,
        "ECABINET_DATABASE_URL": database_url,
        "ECABINET_DATA_DIR": str(tmp_path / "data"),
        "ECABINET_ORIGIN": settings.origin,
        "ECABINET_SESSION_SECRET": settings.session_secret,
        "ECABINET_WS_HEARTBEAT_SECONDS": "1",
        "ECABINET_PRESENCE_GRACE_SECONDS": "30",
        "ECABINET_SWEEP_SECONDS": "0",
        "ECABINET_LOG_LEVEL": "warning",
    }
    made = [Process(free_port(), environment, tmp_path / f"server-{n}.log") for n in (1, 2)]
    try:
        for process in made:
            process.spawn()  # both import at once: start-up is most of these tests' time
        for process in made:
            process.wait_ready()
        yield made
    finally:
        for process in made:
            process.stop()
