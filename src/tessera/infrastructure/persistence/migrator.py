"""The migration runner: Alembic upgrades and downgrades under a lock, recorded in the ledger.

Each run is one transaction (transactional DDL on PostgreSQL and SQLite alike), so a failed
migration leaves the schema as it was and the ledger says ``rolled_back``.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.infrastructure.persistence.ledger import Ledger, RunRecord
from tessera.infrastructure.persistence.migration_lock import migration_lock
from tessera.infrastructure.persistence.migration_state import RunState
from tessera.infrastructure.persistence.schema import (
    alembic_config,
    include_object,
    schema_state,
)
from tessera.infrastructure.persistence.tables import metadata as tessera_metadata


@dataclass(frozen=True, slots=True)
class RunOutcome:
    applied: bool
    from_revision: str | None
    to_revision: str | None
    waited: bool
    run_id: int | None = None


@dataclass(frozen=True, slots=True)
class MigrationStatus:
    current: tuple[str, ...]
    heads: tuple[str, ...]
    pending: tuple[str, ...]
    runs: list[RunRecord]


class MigrationFailedError(RuntimeError):
    def __init__(self, run_id: int, error: BaseException) -> None:
        super().__init__(f"migration run {run_id} failed and was rolled back: {error}")
        self.run_id = run_id


class Migrator:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        environment: str,
        config: Config | None = None,
        on_wait: Callable[[], None] = lambda: None,
    ) -> None:
        self._engine = engine
        self._environment = environment
        self._config = config or alembic_config()
        self._script = ScriptDirectory.from_config(self._config)
        self._on_wait = on_wait

    async def upgrade(self, target: str = "head", *, wait: bool = True) -> RunOutcome:
        return await self._run("upgrade", target, wait=wait)

    async def downgrade(self, target: str, *, wait: bool = True) -> RunOutcome:
        return await self._run("downgrade", target, wait=wait)

    async def status(self) -> MigrationStatus:
        state = await schema_state(self._engine, self._config)
        pending = self._plan("upgrade", state.current, "head").steps
        async with self._ledger() as ledger:
            runs = await ledger.recent()
        return MigrationStatus(state.current, state.heads, tuple(pending), runs)

    async def check(self, target_metadata: MetaData = tessera_metadata) -> list[str]:
        """The differences between the models and the migrated schema (empty: they agree)."""

        def compare(conn: Connection) -> list[str]:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": include_object}
            )
            with warnings.catch_warnings():
                # SQLite cannot reflect expression indexes; Alembic says so and skips them.
                warnings.filterwarnings("ignore", message=".*expression-based index.*")
                return [repr(diff) for diff in compare_metadata(context, target_metadata)]

        async with self._engine.connect() as conn:
            return await conn.run_sync(compare)

    def sql(self, target: str = "head", *, start: str = "base") -> str:
        """The SQL an upgrade from ``start`` to ``target`` would run (Alembic offline mode)."""
        buffer = io.StringIO()
        config = alembic_config(output_buffer=buffer)
        config.set_main_option(
            "script_location", self._config.get_main_option("script_location") or ""
        )
        config.set_main_option(
            "sqlalchemy.url", self._engine.url.render_as_string(hide_password=False)
        )
        command.upgrade(config, f"{start}:{target}", sql=True)
        return buffer.getvalue()

    async def _run(self, direction: str, target: str, *, wait: bool) -> RunOutcome:
        waited = False

        def note_wait() -> None:
            nonlocal waited
            waited = True
            self._on_wait()

        async with migration_lock(self._engine, wait=wait, on_wait=note_wait):
            current = (await schema_state(self._engine, self._config)).current
            from_rev = current[0] if current else None
            plan = self._plan(direction, current, target)
            if not plan.steps:
                return RunOutcome(False, from_rev, from_rev, waited)
            to_rev = plan.to_revision
            async with self._ledger() as ledger:
                run_id = await ledger.open_run(
                    environment=self._environment,
                    direction=direction,
                    from_rev=from_rev,
                    to_rev=to_rev,
                )
                await ledger.move(run_id, RunState.RUNNING)
                try:
                    await self._alembic(direction, to_rev or "base")
                except Exception as error:
                    await ledger.move(
                        run_id, RunState.FAILED, error=f"{type(error).__name__}: {error}"
                    )
                    await ledger.move(run_id, RunState.ROLLED_BACK)
                    raise MigrationFailedError(run_id, error) from error
                await ledger.move(run_id, RunState.APPLIED)
        return RunOutcome(True, from_rev, to_rev, waited, run_id)

    def _chain(self) -> list[str]:
        """The revisions from the first to the head (Tessera keeps one linear history)."""
        return [script.revision for script in reversed(list(self._script.walk_revisions()))]

    def _plan(self, direction: str, current: tuple[str, ...], target: str) -> _Plan:
        chain = self._chain()
        here = chain.index(current[0]) if current and current[0] in chain else -1
        goal = _position(chain, here, target)
        steps = chain[here + 1 : goal + 1] if direction == "upgrade" else chain[goal + 1 : here + 1]
        if (direction == "upgrade") != (goal > here):
            steps = []
        return _Plan(steps=steps, to_revision=chain[goal] if goal >= 0 else None)

    async def _alembic(self, direction: str, target: str) -> None:
        config = self._config

        def run(conn: Connection) -> None:
            config.attributes["connection"] = conn
            if direction == "upgrade":
                command.upgrade(config, target)
            else:
                command.downgrade(config, target)

        async with self._engine.connect() as conn:
            await conn.begin()  # the whole run in one transaction: all revisions or none
            await conn.run_sync(run)
            await conn.commit()

    def _ledger(self) -> _LedgerSession:
        return _LedgerSession(self._engine)


class _LedgerSession:
    """An autocommit connection with the ledger table ensured."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def __aenter__(self) -> Ledger:
        self._conn = await self._engine.connect()
        await self._conn.execution_options(isolation_level="AUTOCOMMIT")
        ledger = Ledger(self._conn)
        await ledger.ensure_table()
        return ledger

    async def __aexit__(self, *exc: object) -> None:
        await self._conn.close()


@dataclass(frozen=True, slots=True)
class _Plan:
    steps: list[str]
    to_revision: str | None


def _position(chain: list[str], here: int, target: str) -> int:
    """Index of ``target`` in the chain: head, base, a revision, or a relative +N / -N."""
    if target in ("head", "heads"):
        return len(chain) - 1
    if target == "base":
        return -1
    if target[:1] in "+-" and target[1:].isdigit():
        return max(-1, min(len(chain) - 1, here + int(target)))
    matches = [i for i, revision in enumerate(chain) if revision.startswith(target)]
    if len(matches) != 1:
        raise ValueError(f"unknown or ambiguous revision {target!r}")
    return matches[0]
