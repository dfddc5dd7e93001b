"""Two server processes on one PostgreSQL database (the kit is tests/support/processes.py;
its names are imported here too, for the tests that import them from this module)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ecabinet.settings import Settings

from ..support.processes import (
    PROJECT,
    Follower,
    Process,
    eventually,
    free_port,
    server_environment,
)

__all__ = ["PROJECT", "Follower", "Process", "eventually", "free_port", "processes"]


@pytest.fixture
def processes(database_url: str, settings: Settings, tmp_path: Path) -> Iterator[list[Process]]:
    """Two server processes; the public origin is the one the browsers use (nginx's)."""
    environment = server_environment(
        database_url,
        tmp_path / "data",
        origin=settings.origin,
        session_secret=settings.session_secret,
    )
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
