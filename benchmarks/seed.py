"""Fast bulk seeding of synthetic tickets straight into PostgreSQL (INSERT ... SELECT).

Titles and descriptions draw from a small vocabulary; one ticket in ``rare_every`` mentions
"printer", so a search for it is selective, as real searches are.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

WORDS = [
    "login", "password", "invoice", "refund", "billing", "account", "export", "report",
    "email", "mobile", "upload", "timeout", "error", "slow", "crash", "sync", "calendar",
    "webhook", "token", "settings", "locale", "backup", "import", "profile", "search",
]  # fmt: skip

SEED_SQL = """
INSERT INTO tickets (
    title, description, status, priority, priority_rank, customer_email, version,
    event_sequence, created_at, updated_at, first_response_due_at, resolution_due_at,
    paused_seconds
)
SELECT
    initcap(w[1 + n % 25]) || ' ' || w[1 + (n / 25) % 25]
        || CASE WHEN n % :rare_every = 0 THEN ' printer' ELSE '' END,
    'The ' || w[1 + (n / 7) % 25] || ' ' || w[1 + (n / 11) % 25] || ' fails with '
        || w[1 + (n / 13) % 25] || ' after the ' || w[1 + (n / 17) % 25] || ' step.',
    (ARRAY['open', 'in_progress', 'pending', 'resolved', 'closed'])[1 + n % 5],
    (ARRAY['low', 'medium', 'high', 'critical'])[1 + n % 4],
    1 + n % 4,
    'customer' || (n % 5000) || '@example.com',
    1, 1,
    now() - make_interval(secs => n),
    now() - make_interval(secs => n),
    now() - make_interval(secs => n) + interval '8 hours',
    now() - make_interval(secs => n) + interval '72 hours',
    0
FROM generate_series(1, :count) AS n, (SELECT :words ::text[] AS w) AS vocabulary
"""


async def seed_tickets(engine: AsyncEngine, count: int, *, rare_every: int = 1000) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text(SEED_SQL), {"count": count, "rare_every": rare_every, "words": WORDS}
        )
        await conn.execute(text("ANALYZE tickets"))
