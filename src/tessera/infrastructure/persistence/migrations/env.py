"""Alembic environment: runs on the connection Tessera hands over, or on the configured URL."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from alembic import context
from sqlalchemy.engine import Connection

from tessera.infrastructure.persistence.engine import create_engine
from tessera.infrastructure.persistence.schema import include_object
from tessera.infrastructure.persistence.tables import metadata
from tessera.infrastructure.persistence.types import UtcDateTime

config = context.config


def _render_item(kind: str, item: Any, _autogen_context: Any) -> str | Literal[False]:
    # Migrations are history: they name plain SQLAlchemy types, never Tessera's own classes.
    if kind == "type" and isinstance(item, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(connection: Connection | None, *, url: str | None = None) -> None:
    dialect = connection.dialect.name if connection is not None else (url or "").split(":")[0]
    context.configure(
        connection=connection,
        url=url if connection is None else None,
        target_metadata=config.attributes.get("target_metadata", metadata),
        compare_type=True,
        render_item=_render_item,
        include_object=include_object,
        render_as_batch=dialect.startswith("sqlite"),  # SQLite alters tables by copying them
        # One transaction for the whole run: a failure leaves the schema as it was.
        transaction_per_migration=False,
        literal_binds=connection is None,
    )


def _run(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_on_url(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.run_sync(_run)
            await conn.commit()
    finally:
        await engine.dispose()


def main() -> None:
    connection: Connection | None = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    elif context.is_offline_mode():
        _configure(None, url=config.get_main_option("sqlalchemy.url"))
        with context.begin_transaction():
            context.run_migrations()
    else:
        asyncio.run(_run_on_url(config.get_main_option("sqlalchemy.url") or ""))


main()
