"""The server as it behaved before presence frames and shared snapshots, for
bench_recovery.py's comparison in the same run: every presence change sends the whole
state, and every snapshot a tablet fetches is read and serialised for it alone."""

from __future__ import annotations

from ecabinet.app import create_app
from ecabinet.realtime import channel, hub
from ecabinet.realtime.states import StateCache


class Unshared(StateCache):
    def __init__(self) -> None:
        super().__init__(max_age=-1.0)  # every entry is too old: each request reads


def _never(*_args: object) -> bool:
    return False


channel.is_presence_run = _never  # type: ignore[assignment]
hub.StateCache = Unshared  # type: ignore[misc]

__all__ = ["create_app"]
