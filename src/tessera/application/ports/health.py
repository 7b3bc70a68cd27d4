"""Health port: a named check that says whether a dependency is usable (SPEC §4 ``/readyz``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


class Health(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"  # working without it (a cache, a broker): still ready
    FAILED = "failed"  # cannot serve (the database): not ready


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    health: Health
    code: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


class HealthCheck(Protocol):
    async def check(self) -> CheckResult:
        """Never raises: a failure to check is itself a FAILED result."""
        ...
