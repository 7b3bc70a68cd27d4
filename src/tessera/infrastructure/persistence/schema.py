"""Schema management on top of Alembic: upgrade, downgrade, current and head revisions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

SCRIPT_LOCATION = "tessera.infrastructure.persistence:migrations"


def alembic_config(*, script_location: str = SCRIPT_LOCATION) -> Config:
    config = Config()
    config.set_main_option("script_location", script_location)
    return config


@dataclass(frozen=True, slots=True)
class SchemaState:
    current: tuple[str, ...]
    heads: tuple[str, ...]

    @property
    def at_head(self) -> bool:
        return set(self.current) == set(self.heads)


def head_revisions(config: Config | None = None) -> tuple[str, ...]:
    return tuple(ScriptDirectory.from_config(config or alembic_config()).get_heads())


async def schema_state(engine: AsyncEngine, config: Config | None = None) -> SchemaState:
    def current(conn: Connection) -> tuple[str, ...]:
        return tuple(MigrationContext.configure(conn).get_current_heads())

    async with engine.connect() as conn:
        revisions = await conn.run_sync(current)
    return SchemaState(current=revisions, heads=head_revisions(config))


async def upgrade(
    engine: AsyncEngine, revision: str = "head", config: Config | None = None
) -> None:
    await _run(engine, config, lambda cfg: command.upgrade(cfg, revision))


async def downgrade(engine: AsyncEngine, revision: str, config: Config | None = None) -> None:
    await _run(engine, config, lambda cfg: command.downgrade(cfg, revision))


async def _run(
    engine: AsyncEngine, config: Config | None, action: Callable[[Config], None]
) -> None:
    cfg = config or alembic_config()

    def run(conn: Connection) -> None:
        cfg.attributes["connection"] = conn
        action(cfg)

    async with engine.connect() as conn:
        await conn.run_sync(run)
        await conn.commit()
