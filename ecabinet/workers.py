"""Costly work on untrusted files (rendering, stamping, verifying) in worker processes.

A thread cannot be stopped and PDFium cannot run two calls at once, so a hostile file
rendered in the server's own process would hold everyone's pages and its memory would
stay with the server. Here each job runs in a small pool of worker processes with an
address-space limit; a job that runs past its time or its memory is ended by killing its
worker, which is then replaced. Each key (a person) holds at most one worker at a time,
so one member's files cannot take the pool from the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import resource
import socket
import subprocess
import sys
import weakref
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Literal, TypeVar

import anyio

from .errors import ServiceUnavailable, TooCostly

T = TypeVar("T")
Outcome = Literal["ok", "memory", "failed"]


def _serve(connection: Connection, memory_bytes: int, preload: list[str]) -> None:
    """The worker's loop: one job at a time until the server closes its end."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    for module in preload:
        importlib.import_module(module)
    connection.send(("ok", "ready"))
    while True:
        try:
            function, args = connection.recv()
        except (EOFError, OSError):
            return
        outcome: tuple[Outcome, Any]
        try:
            outcome = ("ok", function(*args))
        except MemoryError:
            outcome = ("memory", None)
        except Exception as exc:  # the job's own failure travels back as a value
            outcome = ("failed", exc)
        try:
            connection.send(outcome)
        except MemoryError:
            connection.send(("memory", None))


class JobFailed(Exception):
    """The job itself raised: the caller decides what it means."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


# Starting an interpreter and importing PDFium, Pillow or pyHanko is not the job's cost.
START_SECONDS = 60.0


class _Worker:
    def __init__(self, memory_bytes: int, preload: tuple[str, ...]) -> None:
        # A fresh interpreter, not a fork (the server's threads and event loop must not be
        # copied) and not multiprocessing's spawn (which re-imports the caller's __main__).
        ours, theirs = socket.socketpair()
        with ours, theirs:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [
                    sys.executable,
                    "-m",
                    "ecabinet.workers",
                    str(theirs.fileno()),
                    str(memory_bytes),
                    *preload,
                ],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
            )
            self.connection = Connection(ours.detach())
        # A pool dropped without close() (an app never shut down) still ends its workers.
        self._finalizer = weakref.finalize(self, _end, self.process, self.connection)

    async def ready(self) -> None:
        await self._answer(START_SECONDS)

    async def call(
        self, function: Callable[..., Any], args: tuple[Any, ...], seconds: float
    ) -> tuple[Outcome, Any]:
        self.connection.send((function, args))
        return await self._answer(seconds)

    async def _answer(self, seconds: float) -> tuple[Outcome, Any]:
        await asyncio.wait_for(self._readable(), seconds)
        outcome: tuple[Outcome, Any] = await anyio.to_thread.run_sync(self.connection.recv)
        return outcome

    async def _readable(self) -> None:
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        fd = self.connection.fileno()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        loop.add_reader(fd, wake)
        try:
            await ready
        finally:
            loop.remove_reader(fd)

    def kill(self) -> None:
        self._finalizer()


def _end(process: subprocess.Popen[bytes], connection: Connection) -> None:
    process.kill()
    process.wait(5)
    connection.close()


class _Turn:
    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class WorkerPool:
    """``size`` worker processes, started on first use."""

    def __init__(
        self, *, size: int, memory_mb: int, queue_seconds: float, preload: tuple[str, ...] = ()
    ) -> None:
        self.size = size
        self.preload = preload
        self.memory_bytes = memory_mb * 1024 * 1024
        self.queue_seconds = queue_seconds
        self._idle: asyncio.Queue[_Worker | None] | None = None
        self._keys: dict[object, _Turn] = {}
        self._workers: set[_Worker] = set()
        # For the operators' metrics: jobs waiting for a worker, and jobs running.
        self.waiting = 0
        self.busy = 0

    def _queue(self) -> asyncio.Queue[_Worker | None]:
        if self._idle is None:
            self._idle = asyncio.Queue()
            for _ in range(self.size):
                self._idle.put_nowait(None)  # a slot whose worker starts when first used
        return self._idle

    async def run(
        self,
        function: Callable[..., T],
        *args: Any,
        seconds: float,
        key: object = None,
        still_wanted: Callable[[], None] | None = None,
    ) -> T:
        """``function(*args)`` in a worker; TooCostly past ``seconds`` or the memory limit,
        JobFailed if it raised, ServiceUnavailable if no worker came free in time.
        ``still_wanted`` runs once the key's turn has come, and may refuse the job (the
        same file was refused while this one waited)."""
        if key is None:
            return await self._run(function, args, seconds)
        turn = self._keys.setdefault(key, _Turn())
        turn.users += 1  # the lock is forgotten only when nobody holds or awaits it
        try:
            async with turn.lock:
                if still_wanted is not None:
                    still_wanted()
                return await self._run(function, args, seconds)
        finally:
            turn.users -= 1
            if turn.users == 0:
                del self._keys[key]

    async def _run(self, function: Callable[..., T], args: tuple[Any, ...], seconds: float) -> T:
        idle = self._queue()
        self.waiting += 1
        try:
            slot = await asyncio.wait_for(idle.get(), self.queue_seconds)
        except TimeoutError:
            raise ServiceUnavailable(
                "The server is busy with other documents. Try again in a moment."
            ) from None
        finally:
            self.waiting -= 1
        worker = slot
        self.busy += 1
        try:
            if worker is None:
                worker = await anyio.to_thread.run_sync(_Worker, self.memory_bytes, self.preload)
                self._workers.add(worker)
                await worker.ready()
            outcome, value = await worker.call(function, args, seconds)
        except BaseException as exc:
            # Timed out, died (EOF), or the request went away mid-job: the worker's state
            # is unknown, so it is replaced rather than reused.
            if worker is not None:
                self._workers.discard(worker)
                await anyio.to_thread.run_sync(worker.kill)
            idle.put_nowait(None)
            if isinstance(exc, TimeoutError):
                raise TooCostly(
                    "This file takes longer than %(seconds)s seconds to process, "
                    "so it was stopped. Ask the secretariat to export a simpler "
                    "PDF (for example print it to PDF again).",
                    seconds=int(seconds),
                ) from None
            if isinstance(exc, (EOFError, OSError)):
                raise _memory_refusal() from None
            raise
        finally:
            self.busy -= 1
        idle.put_nowait(worker)
        if outcome == "memory":
            raise _memory_refusal()
        if outcome == "failed":
            raise JobFailed(value)
        result: T = value
        return result

    async def warm(self) -> None:
        """Start the workers now, so that the first pages asked for do not wait for an
        interpreter to start and import PDFium."""
        idle = self._queue()
        slots = [idle.get_nowait() for _ in range(idle.qsize())]
        started: list[_Worker | None] = []
        try:
            for slot in slots:
                if slot is None:
                    slot = await anyio.to_thread.run_sync(_Worker, self.memory_bytes, self.preload)
                    self._workers.add(slot)
                    await slot.ready()
                started.append(slot)
        finally:
            for slot in started + [None] * (len(slots) - len(started)):
                idle.put_nowait(slot)

    def close(self) -> None:
        for worker in list(self._workers):
            with contextlib.suppress(Exception):
                worker.kill()
        self._workers.clear()
        self._idle = None


def _memory_refusal() -> TooCostly:
    return TooCostly(
        "This file needs more memory to process than the server allows for one "
        "document. Ask the secretariat to export a simpler PDF."
    )


if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1])), int(sys.argv[2]), sys.argv[3:])
