"""Schema management on top of Alembic: upgrade, downgrade, current and head revisions.

Alembic is imported where it is used, not with this module: importing it takes longer than
the rest of the persistence layer, and a process (or a test) that never looks at the schema
should not pay for it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

LEDGER_TABLE = "schema_migration_runs"  # owned by the migration runner (see ledger.py)
SCRIPT_LOCATION = "tessera.infrastructure.persistence:migrations"


def alembic_config(
    *, script_location: str = SCRIPT_LOCATION, output_buffer: TextIO | None = None
) -> Config:
    from alembic.config import Config  # noqa: PLC0415

    config = Config(output_buffer=output_buffer)
    config.set_main_option("script_location", script_location)
    return config


FTS_TABLE = "ticket_search"


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Autogenerate ignores the runner's own ledger (it is not a model, like alembic_version)
    and SQLite's full-text index (an FTS5 virtual table with its shadow tables, maintained by
    triggers)."""
    if type_ != "table" or name is None:
        return True
    return name != LEDGER_TABLE and not name.startswith(FTS_TABLE)


@dataclass(frozen=True, slots=True)
class SchemaState:
    current: tuple[str, ...]
    heads: tuple[str, ...]
    unknown: tuple[str, ...] = ()  # revisions in the database that this code does not know

    @property
    def at_head(self) -> bool:
        return set(self.current) == set(self.heads)

    @property
    def ahead_of_code(self) -> bool:
        """The database was migrated by newer code (for example after a code rollback)."""
        return bool(self.unknown)


def script_directory(config: Config | None = None) -> ScriptDirectory:
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    return ScriptDirectory.from_config(config or alembic_config())


def head_revisions(config: Config | None = None) -> tuple[str, ...]:
    return tuple(script_directory(config).get_heads())


async def schema_state(engine: AsyncEngine, config: Config | None = None) -> SchemaState:
    from alembic.runtime.migration import MigrationContext  # noqa: PLC0415

    def current(conn: Connection) -> tuple[str, ...]:
        return tuple(MigrationContext.configure(conn).get_current_heads())

    async with engine.connect() as conn:
        revisions = await conn.run_sync(current)
    script = script_directory(config)
    unknown = tuple(r for r in revisions if not _known(script, r))
    return SchemaState(current=revisions, heads=tuple(script.get_heads()), unknown=unknown)


def _known(script: ScriptDirectory, revision: str) -> bool:
    from alembic.util.exc import CommandError  # noqa: PLC0415

    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


async def upgrade(
    engine: AsyncEngine, revision: str = "head", config: Config | None = None
) -> None:
    from alembic import command  # noqa: PLC0415

    await _run(engine, config, lambda cfg: command.upgrade(cfg, revision))


async def downgrade(engine: AsyncEngine, revision: str, config: Config | None = None) -> None:
    from alembic import command  # noqa: PLC0415

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
