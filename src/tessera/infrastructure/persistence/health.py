"""Readiness check for the database: reachable, and its schema at the code's head revision."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.ports.health import CheckResult, Health
from tessera.infrastructure.persistence.errors import is_unavailable
from tessera.infrastructure.persistence.schema import schema_state


class DatabaseHealthCheck:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def check(self) -> CheckResult:
        try:
            state = await schema_state(self._engine)
        except Exception as error:  # noqa: BLE001 - a readiness probe reports, never raises
            code = "database_unavailable" if is_unavailable(error) else "database_error"
            return CheckResult("database", Health.FAILED, code, {"error": type(error).__name__})
        revisions = {"current": list(state.current), "head": list(state.heads)}
        if state.ahead_of_code:
            return CheckResult("database", Health.FAILED, "schema_ahead_of_code", revisions)
        if not state.at_head:
            return CheckResult("database", Health.FAILED, "schema_out_of_date", revisions)
        return CheckResult("database", Health.OK, details={"revision": list(state.current)})
