"""Running the console's view counts: one statement, planned for the moment it is asked.

asyncpg prepares every statement, and PostgreSQL switches a prepared statement to one
generic plan after five runs when that plan looks no dearer. For the SLA views a generic
plan cannot know how narrow the at-risk window (``now`` to ``now`` + an hour) is: at
100,000 tickets it walks some 30,000 entries of a due-date index where a plan made for the
actual bounds reads about 1,500, and the seven counts take 25 ms instead of 5. So on
PostgreSQL the statement runs in a transaction of its own that plans it for its values
(``SET LOCAL``: the pooled connection keeps its own setting afterwards).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

_PLAN_FOR_VALUES: Final = text("SET LOCAL plan_cache_mode = force_custom_plan")


async def count_in_one_statement(engine: AsyncEngine, counts: Sequence[Any]) -> list[int]:
    """``counts``: labelled scalar subqueries, each a count; their values, in order."""
    statement = select(*counts)
    if engine.dialect.name != "postgresql":
        reads = engine.execution_options(isolation_level="AUTOCOMMIT")
        async with reads.connect() as conn:
            row = (await conn.execute(statement)).one()
        return [int(value) for value in row]
    # The connection begins a transaction at its first statement and rolls it back as it
    # closes: nothing is written, and the setting ends with the transaction.
    async with engine.connect() as conn:
        await conn.execute(_PLAN_FOR_VALUES)
        row = (await conn.execute(statement)).one()
    return [int(value) for value in row]
