"""The arithmetic of database connections, checked before a server starts.

Each server process holds at most `db_pool_size + db_max_overflow` pooled connections
plus one for LISTEN (live events between processes). All processes together must fit in
what PostgreSQL allows, or the busiest moment of a session, when every tablet votes,
is when requests start failing with "too many clients".

Behind PgBouncer in transaction pooling (`listen_database_url` set), the pools are
PgBouncer's clients: only the LISTEN connections reach PostgreSQL directly, and PgBouncer's
own `default_pool_size` is the operator's to fit (docs/operations.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

# Connections each process opens besides its pool: the LISTEN connection.
LISTENERS_PER_PROCESS = 1
# Left free for the operator's psql, migrations, backups and monitoring.
HEADROOM = 5


@dataclass(frozen=True)
class ConnectionBudget:
    processes: int
    pool_size: int
    max_overflow: int
    pooled_by_pgbouncer: bool = False

    @property
    def per_process(self) -> int:
        if self.pooled_by_pgbouncer:
            return LISTENERS_PER_PROCESS
        return self.pool_size + self.max_overflow + LISTENERS_PER_PROCESS

    @property
    def needed(self) -> int:
        return self.processes * self.per_process + HEADROOM

    def refusal(self, allowed: int) -> str:
        """Why the budget does not fit in `allowed` connections; empty when it fits."""
        if self.needed <= allowed:
            return ""
        if self.pooled_by_pgbouncer:
            return (
                f"{self.processes} server process(es) × {LISTENERS_PER_PROCESS} LISTEN + "
                f"{HEADROOM} spare = {self.needed} direct connections, but the database "
                f"allows {allowed}. Run fewer processes or raise PostgreSQL's "
                "max_connections."
            )
        return (
            f"{self.processes} server process(es) × ({self.pool_size} pooled + "
            f"{self.max_overflow} overflow + {LISTENERS_PER_PROCESS} LISTEN) + "
            f"{HEADROOM} spare = {self.needed} connections, but the database allows "
            f"{allowed}. Lower ECABINET_DB_POOL_SIZE or ECABINET_DB_MAX_OVERFLOW, run "
            "fewer processes, put PgBouncer in front (docs/operations.md), or raise "
            "PostgreSQL's max_connections."
        )


async def connections_allowed(engine: AsyncEngine) -> int:
    """What PostgreSQL lets ordinary roles open: max_connections less the reserved ones."""
    async with engine.connect() as connection:
        maximum = int((await connection.execute(text("SHOW max_connections"))).scalar_one())
        reserved = int(
            (await connection.execute(text("SHOW superuser_reserved_connections"))).scalar_one()
        )
    return maximum - reserved
