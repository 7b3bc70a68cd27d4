"""Full-text search on PostgreSQL is served by the GIN index, at 100,000 tickets."""

from __future__ import annotations

import pytest
from benchmarks.seed import seed_tickets
from sqlalchemy import text

from tessera.application.queries import ListTickets
from tessera.infrastructure.persistence.engine import create_engine
from tessera.infrastructure.persistence.readers import SqlAlchemyTicketReader, list_statement

pytestmark = pytest.mark.postgres


async def test_search_over_100k_tickets_uses_the_gin_index(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    try:
        await seed_tickets(engine, 100_000)
        query = ListTickets(q="printer", limit=25)
        statement = list_statement(query, dialect="postgresql")
        compiled = statement.compile(engine.sync_engine, compile_kwargs={"literal_binds": True})
        async with engine.connect() as conn:
            plan = "\n".join(row[0] for row in await conn.execute(text(f"EXPLAIN {compiled}")))
        assert "ix_tickets_search_vector" in plan, plan
        assert "Seq Scan on tickets" not in plan, plan

        page = await SqlAlchemyTicketReader(engine).list(query)
        assert len(page.items) == 25
        assert all("printer" in t.title.lower() for t in page.items)

        # A requester's search: their own tickets (exact address), their own document.
        own = ListTickets(q="printer", requester_email="customer1000@example.com", limit=25)
        compiled = list_statement(own, dialect="postgresql").compile(
            engine.sync_engine, compile_kwargs={"literal_binds": True}
        )
        async with engine.connect() as conn:
            plan = "\n".join(row[0] for row in await conn.execute(text(f"EXPLAIN {compiled}")))
        assert "Seq Scan on tickets" not in plan, plan
        assert "ix_tickets_customer_email" in plan or "public_search_vector" in plan, plan
        page = await SqlAlchemyTicketReader(engine).list(own)
        assert len(page.items) == 20
        assert {t.customer_email for t in page.items} == {"customer1000@example.com"}
    finally:
        await engine.dispose()
